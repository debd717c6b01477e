"""Stop sequences across pieces of text: nothing after the first one, nothing of it shown."""

from __future__ import annotations

import pytest

from backend.serve.stop_strings import StopStrings


def feed(stops: list[str], pieces: list[str]) -> tuple[str, bool]:
    matcher = StopStrings(stops)
    shown = "".join(matcher.feed(p) for p in pieces)
    return shown + matcher.finish(), matcher.hit


@pytest.mark.parametrize(("stops", "pieces", "shown", "hit"), [
    ([], ["B", "L", "U", "E"], "BLUE", False),
    (["U"], ["B", "L", "U", "E"], "BL", True),
    (["LU"], ["B", "L", "U", "E"], "B", True),  # across two pieces
    (["LUX"], ["B", "L", "U", "E"], "BLUE", False),  # held back, then released
    (["\n\n", "E"], ["a\n", "\nb", "E"], "a", True),  # the first to appear wins
    (["UE", "BLUE!"], ["BLUE"], "BL", True),
    (["abc"], ["xab"], "xab", False),  # the held "ab" comes back at the end
])
def test_stop_sequences(stops: list[str], pieces: list[str], shown: str, hit: bool) -> None:
    assert feed(stops, pieces) == (shown, hit)


def test_held_text_waits_only_as_long_as_it_could_be_a_stop() -> None:
    matcher = StopStrings(["END"])
    assert matcher.feed("the E") == "the "
    assert matcher.feed("N") == ""
    assert matcher.feed("d.") == "ENd."
    assert matcher.feed("END and more") == "" and matcher.hit
    assert matcher.feed("later") == "" and matcher.finish() == ""
