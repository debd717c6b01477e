"""What the API answers with right now: the loaded model (its name, how it thinks, its sampler
defaults), a model still loading, or nothing.

The window (or the `serve` command) writes it as models load and unload; HTTP handlers read it
from the server's thread. A `ModelBoard` holds one immutable value that is replaced whole, so
a reader never sees half an update.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from backend.chat.family import ThinkingMode
from backend.chat.messages import Sampling


@dataclass(frozen=True, slots=True)
class ServedModel:
    name: str  # what /v1/models lists and requests name
    label: str  # the model's human name, e.g. "DeepSeek-R1-0528"
    thinking: ThinkingMode
    sampling: Sampling  # used for what a request leaves out
    n_ctx: int
    effort_levels: tuple[str, ...] = ()  # what its template knows ("high", "max"; V4)
    created: int = field(default_factory=lambda: int(time.time()))

    def answers_to(self, asked: str) -> bool:
        return asked.strip().casefold() == self.name.casefold()

    def thinks(self, wanted: bool | None) -> bool:
        """Whether a turn reasons: R1 always does, V3 never, a hybrid when asked (default off,
        as DeepSeek's API and the models' own templates)."""
        if self.thinking is ThinkingMode.ALWAYS:
            return True
        if self.thinking is ThinkingMode.NEVER:
            return False
        return bool(wanted)

    def effort_for(self, asked: str | None) -> str | None:
        """The template's effort for a request's `reasoning_effort`, as DeepSeek's API maps it:
        up to "high" is the model's normal effort ("high" where the template names it), "xhigh"
        and "max" its maximum. A model without effort levels thinks as it always does: clients
        (editors) send an effort by default, and it must not be an error."""
        if asked is None or asked == "none" or not self.effort_levels:
            return None
        if asked in self.effort_levels:
            return asked
        if asked in ("xhigh", "max"):
            return "max" if "max" in self.effort_levels else None
        return "high" if "high" in self.effort_levels else None


@dataclass(frozen=True, slots=True)
class Availability:
    model: ServedModel | None = None
    loading: str | None = None  # the label of a model being loaded


class ModelBoard:
    """The current `Availability`; written by one thread, read by any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = Availability()

    def current(self) -> Availability:
        with self._lock:
            return self._now

    def ready(self, model: ServedModel) -> None:
        self._set(Availability(model=model))

    def loading(self, label: str) -> None:
        self._set(Availability(loading=label))

    def empty(self) -> None:
        self._set(Availability())

    def _set(self, value: Availability) -> None:
        with self._lock:
            self._now = value
