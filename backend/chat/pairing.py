"""What the Deep thinking toggle does, given the loaded model and the installed ones.

| installed              | toggle on                            | toggle off                        |
| a hybrid model (V3.1+) | same model, thinking on, no reload   | same model, thinking off          |
| V3 and R1 both         | switch to R1                         | switch to V3                      |
| only R1                | R1 thinks                            | R1 answers directly (empty think) |
| only V3                | offer to download R1                 | V3 answers                        |

Among several candidates the one closest in size to the current model wins: a 671B V3 pairs
with the 671B R1, not with a 7B distill.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from backend.chat.family import ThinkingMode


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str  # what the app loads (a path)
    label: str
    thinking: ThinkingMode
    size_bytes: int


class ToggleAction(StrEnum):
    KEEP = "keep"  # the loaded model serves this mode
    SWITCH = "switch"  # load `target` first
    OFFER_DOWNLOAD = "offer_download"  # nothing installed can reason: offer R1


@dataclass(frozen=True, slots=True)
class ToggleDecision:
    action: ToggleAction
    deep_thinking: bool  # the flag to send with requests
    target: Candidate | None = None


def decide(
    current: Candidate | None, installed: Sequence[Candidate], want_thinking: bool
) -> ToggleDecision:
    """What to do when Deep thinking is set to `want_thinking`."""
    if current is None:
        suitable = [c for c in installed if _serves(c, want_thinking)]
        if suitable:
            return ToggleDecision(ToggleAction.SWITCH, want_thinking,
                                  max(suitable, key=lambda c: c.size_bytes))
        if want_thinking and installed:
            return ToggleDecision(ToggleAction.OFFER_DOWNLOAD, False)
        return ToggleDecision(ToggleAction.KEEP, want_thinking and bool(installed))
    if current.thinking is ThinkingMode.HYBRID:
        return ToggleDecision(ToggleAction.KEEP, want_thinking)
    if want_thinking:
        if current.thinking is ThinkingMode.ALWAYS:
            return ToggleDecision(ToggleAction.KEEP, True)
        thinkers = [c for c in installed if c.thinking is not ThinkingMode.NEVER and c.key != current.key]
        if thinkers:
            return ToggleDecision(ToggleAction.SWITCH, True, _closest(current, thinkers))
        return ToggleDecision(ToggleAction.OFFER_DOWNLOAD, False)
    if current.thinking is ThinkingMode.NEVER:
        return ToggleDecision(ToggleAction.KEEP, False)
    direct = [c for c in installed if c.thinking is ThinkingMode.NEVER and c.key != current.key]
    if direct:
        return ToggleDecision(ToggleAction.SWITCH, False, _closest(current, direct))
    return ToggleDecision(ToggleAction.KEEP, False)  # R1 only: an empty think block


def _serves(candidate: Candidate, want_thinking: bool) -> bool:
    if candidate.thinking is ThinkingMode.HYBRID:
        return True
    return (candidate.thinking is ThinkingMode.ALWAYS) == want_thinking


def _closest(current: Candidate, options: Sequence[Candidate]) -> Candidate:
    def distance(c: Candidate) -> tuple[float, int]:
        ratio = abs(math.log(max(c.size_bytes, 1) / max(current.size_bytes, 1)))
        return ratio, -c.size_bytes

    return min(options, key=distance)
