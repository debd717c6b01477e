"""Server-sent events (the `text/event-stream` format), parsed one line at a time.

Follows the WHATWG rules that matter for chat streams: `field: value` lines, `data` lines of one
event joined with newlines, comments (`:`) ignored, an empty line ends the event. Servers that
close the stream without the final empty line still get their last event (`finish`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServerEvent:
    data: str
    event: str = "message"
    id: str | None = None


class SSEParser:
    """Feed it the body's lines (`bytes`, line endings included or not); it returns events."""

    __slots__ = ("_data", "_event", "_id", "_started")

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._started = False

    def feed(self, raw: bytes) -> ServerEvent | None:
        """Parse one line; returns the event it completed, if any.

        Raises `UnicodeDecodeError` for bytes that are not UTF-8 (the format requires it).
        """
        line = raw.decode("utf-8")
        if not self._started:
            self._started = True
            line = line.removeprefix("\ufeff")
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        # `retry` and unknown fields are ignored: we never reconnect a chat stream.
        return None

    def finish(self) -> ServerEvent | None:
        """The event left open when the stream ended without a blank line, if any."""
        return self._dispatch()

    def _dispatch(self) -> ServerEvent | None:
        if not self._data:
            self._event = ""
            return None
        event = ServerEvent("\n".join(self._data), self._event or "message", self._id)
        self._data = []
        self._event = ""
        return event
