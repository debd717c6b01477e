"""Stop sequences (`stop` in a request): the answer ends before the first one, and text that
might be the start of one is held back until the next piece shows whether it is."""

from __future__ import annotations

from collections.abc import Sequence


class StopStrings:
    """Feed the answer piece by piece; it returns what may be shown, and whether to stop."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self._held = ""
        self.hit = False

    def feed(self, text: str) -> str:
        """The text that is safe to show. After a stop sequence, `hit` is set and nothing more
        is returned."""
        if self.hit:
            return ""
        if not self.stops:
            return text
        buffer = self._held + text
        found = [i for i in (buffer.find(s) for s in self.stops) if i >= 0]
        if found:
            self.hit = True
            self._held = ""
            return buffer[: min(found)]
        keep = self._partial(buffer)
        self._held = buffer[len(buffer) - keep:] if keep else ""
        return buffer[: len(buffer) - keep]

    def finish(self) -> str:
        """What was held back, once the answer ended without a stop sequence."""
        held, self._held = self._held, ""
        return "" if self.hit else held

    def _partial(self, buffer: str) -> int:
        """The length of the longest end of `buffer` that begins a stop sequence."""
        longest = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(buffer)), longest, -1):
                if buffer.endswith(stop[:n]):
                    longest = n
                    break
        return longest
