"""The Deep thinking toggle's decision table."""

from __future__ import annotations

from backend.chat.family import ThinkingMode
from backend.chat.pairing import Candidate, ToggleAction, ToggleDecision, decide

GB = 10**9
R1 = Candidate("r1.gguf", "DeepSeek-R1", ThinkingMode.ALWAYS, 140 * GB)
V3 = Candidate("v3.gguf", "DeepSeek-V3-0324", ThinkingMode.NEVER, 150 * GB)
V31 = Candidate("v31.gguf", "DeepSeek-V3.1", ThinkingMode.HYBRID, 160 * GB)
DISTILL = Candidate("qwen7b.gguf", "DeepSeek-R1-Distill-Qwen-7B", ThinkingMode.ALWAYS, 5 * GB)


def test_hybrid_model_never_reloads() -> None:
    assert decide(V31, [V31, R1, V3], True) == ToggleDecision(ToggleAction.KEEP, True)
    assert decide(V31, [V31, R1, V3], False) == ToggleDecision(ToggleAction.KEEP, False)


def test_v3_and_r1_switch_between_each_other() -> None:
    assert decide(V3, [V3, R1], True) == ToggleDecision(ToggleAction.SWITCH, True, R1)
    assert decide(R1, [V3, R1], False) == ToggleDecision(ToggleAction.SWITCH, False, V3)
    assert decide(R1, [V3, R1], True) == ToggleDecision(ToggleAction.KEEP, True)
    assert decide(V3, [V3, R1], False) == ToggleDecision(ToggleAction.KEEP, False)


def test_only_r1_thinks_or_answers_directly() -> None:
    assert decide(R1, [R1], True) == ToggleDecision(ToggleAction.KEEP, True)
    assert decide(R1, [R1], False) == ToggleDecision(ToggleAction.KEEP, False)


def test_only_v3_offers_a_download() -> None:
    assert decide(V3, [V3], True) == ToggleDecision(ToggleAction.OFFER_DOWNLOAD, False)
    assert decide(V3, [V3], False) == ToggleDecision(ToggleAction.KEEP, False)


def test_partner_of_similar_size_wins() -> None:
    assert decide(V3, [V3, DISTILL, R1], True).target == R1
    small_v3 = Candidate("v3-small.gguf", "V3 small", ThinkingMode.NEVER, 6 * GB)
    assert decide(DISTILL, [small_v3, V3, DISTILL], False).target == small_v3
    # A hybrid model can stand in for R1.
    assert decide(V3, [V3, V31], True).target == V31


def test_nothing_loaded_picks_a_model_for_the_mode() -> None:
    assert decide(None, [V3, R1], True) == ToggleDecision(ToggleAction.SWITCH, True, R1)
    assert decide(None, [V3, R1], False) == ToggleDecision(ToggleAction.SWITCH, False, V3)
    assert decide(None, [V3], True) == ToggleDecision(ToggleAction.OFFER_DOWNLOAD, False)
    assert decide(None, [], True) == ToggleDecision(ToggleAction.KEEP, False)
