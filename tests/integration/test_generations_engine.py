"""DeepSeek-V3.2, V4 and an R1 distill on the real llama.cpp, from tiny generated files: chat with
thinking on and off and with reasoning effort, V4's follow-up turns, its KV cache as planned, and
expert offload overrides."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chat.events import AnswerDelta, Finished, GenerationStats, ReasoningDelta
from backend.chat.family import ModelFamily, ThinkingMode
from backend.chat.messages import ChatMessage, ChatRequest, Role, Sampling
from backend.engine.local_engine import LoadSettings, LocalEngine
from backend.engine.native import capture_log
from backend.engine.offload import GpuBudget, Machine, PlanOptions, kv_layer_bytes, plan_offload
from backend.engine.preflight import inspect_loadable
from tests.support.tiny_deepseek import v4_spec, write_v4_model

GREEDY = Sampling(temperature=0.0)
CPU_ONLY = Machine((), 16 << 30, 20.0)
THINK_SCRIPT = 'root ::= "Let me think." "</think>" "\\n\\nThe answer is 4."'
ANSWER_SCRIPT = 'root ::= "The answer is 4."'


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    eng = LocalEngine()
    yield eng
    eng.unload()


def chat(engine: LocalEngine, messages: tuple[ChatMessage, ...], *, think: bool,
         effort: str | None = None, grammar: str | None = None, max_tokens: int = 64
         ) -> tuple[str, str, GenerationStats]:
    request = ChatRequest(messages, deep_thinking=think, sampling=GREEDY, max_tokens=max_tokens,
                          seed=1, reasoning_effort=effort)
    reasoning = answer = ""
    stats = None
    for event in engine.chat(request, grammar=grammar):
        if isinstance(event, ReasoningDelta):
            reasoning += event.text
        elif isinstance(event, AnswerDelta):
            answer += event.text
        elif isinstance(event, Finished):
            stats = event.stats
    assert stats is not None
    return reasoning, answer, stats


def ask(text: str) -> tuple[ChatMessage, ...]:
    return (ChatMessage(Role.USER, text),)


@pytest.mark.parametrize(("fixture", "family", "label"), [
    ("v32_model", ModelFamily.V3_2, "DeepSeek-V3.2"),
    ("v4_model", ModelFamily.V4, "DeepSeek-V4-Flash"),
    ("v4_0731_model", ModelFamily.V4, "DeepSeek-V4-Flash-0731"),
    ("distill_model", ModelFamily.R1_DISTILL, "DeepSeek-R1-Distill-Qwen"),
])
def test_chat_with_thinking_on_and_off(engine: LocalEngine, request: pytest.FixtureRequest,
                                       fixture: str, family: ModelFamily, label: str) -> None:
    path: Path = request.getfixturevalue(fixture)
    loaded = engine.load(path, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
    assert (loaded.info.family.family, loaded.info.label) == (family, label)
    # The prompt ends inside <think> with thinking on: the model's first words are reasoning.
    reasoning, answer, _ = chat(engine, ask("2+2?"), think=True, grammar=THINK_SCRIPT)
    assert (reasoning, answer) == ("Let me think.", "The answer is 4.")
    # With thinking off the template closed the block: the same words are the answer.
    reasoning, answer, _ = chat(engine, ask("2+2?"), think=False, grammar=ANSWER_SCRIPT)
    assert (reasoning, answer) == ("", "The answer is 4.")
    # And unconstrained, the real weights run to the end in both modes.
    for think in (True, False):
        assert chat(engine, ask("Hello"), think=think)[2].completion_tokens > 0


def test_reasoning_effort_reaches_the_template(engine: LocalEngine, v4_model: Path,
                                               v4_0731_model: Path) -> None:
    engine.load(v4_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
    plain = chat(engine, ask("2+2?"), think=True, max_tokens=1)[2].prompt_tokens
    hard = chat(engine, ask("2+2?"), think=True, effort="max", max_tokens=1)[2].prompt_tokens
    assert hard > plain + 40  # DeepSeek's effort preamble came first
    engine.load(v4_0731_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
    assert engine.loaded is not None and engine.loaded.info.family.effort_levels == ("high", "max")
    high = chat(engine, ask("2+2?"), think=True, effort="high", max_tokens=1)[2].prompt_tokens
    top = chat(engine, ask("2+2?"), think=True, effort="max", max_tokens=1)[2].prompt_tokens
    assert plain < high and high != top


def test_v4_follow_up_answers_as_a_fresh_engine_would(engine: LocalEngine,
                                                      v4_model: Path) -> None:
    """V4's cache cannot drop part of a conversation: the engine clears it and evaluates the
    new prompt whole, rather than decoding on stale cells."""
    engine.load(v4_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
    first = ask("the quick brown fox jumps over the lazy dog. " * 8)
    _, answer, _ = chat(engine, first, think=False, max_tokens=16)
    second = (*first, ChatMessage(Role.ASSISTANT, answer), ChatMessage(Role.USER, "hello world"))
    _, again, _ = chat(engine, second, think=False, max_tokens=16)
    _, shorter, _ = chat(engine, ask("the quick brown fox"), think=False, max_tokens=16)
    fresh = LocalEngine()
    try:
        fresh.load(v4_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
        assert chat(fresh, second, think=False, max_tokens=16)[1] == again
        fresh.load(v4_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
        assert chat(fresh, ask("the quick brown fox"), think=False, max_tokens=16)[1] == shorter
    finally:
        fresh.unload()


def test_v4_kv_cache_is_what_the_planner_counts(engine: LocalEngine, tmp_path: Path) -> None:
    """The sliding window stays its own size (swa_full off): llama.cpp allocates exactly the
    compressed cache the offload planner sized."""
    path = write_v4_model(tmp_path / "v4-long.gguf", v4_spec(n_ctx_train=32768))
    with capture_log() as lines:
        loaded = engine.load(path, LoadSettings(n_ctx=16384), machine=CPU_ONLY)
    logged = [float(m.group(1)) for line in lines
              if (m := re.search(r"^llama_(?:kv_cache|dsv4_comp_state): .* buffer size = +"
                                 r"([\d.]+) MiB$", line))]
    planned = sum(kv_layer_bytes(loaded.info.layout, loaded.n_ctx, "f16")) / 2**20
    assert sum(logged) == pytest.approx(planned, abs=0.05)
    assert any("SWA KV cache, size = 768 cells" in line for line in lines)  # not 16384
    assert loaded.plan.kv_bytes == sum(kv_layer_bytes(loaded.info.layout, 16384, "f16"))


def test_v4_expert_overrides_reach_llama_cpp(engine: LocalEngine, v4_model: Path) -> None:
    """On the CPU build llama.cpp still logs each overridden tensor: exactly the planned routed
    experts; shared experts, the indexer and hyper-connections stay with their layer."""
    info = inspect_loadable(v4_model)
    fake_gpu = GpuBudget("Fake GPU", 8 << 30, 8 << 30, 500.0)
    plan = plan_offload(info.layout, Machine((fake_gpu,), 16 << 30, 20.0),
                        PlanOptions(cpu_moe_layers=2, n_ctx=512))
    assert plan.cpu_expert_tensors
    with capture_log() as lines:
        engine.load(v4_model, LoadSettings(n_ctx=512), plan=plan)
    overridden = {m.group(1) for line in lines
                  if (m := re.match(r"tensor (\S+) \(.*\) buffer type overridden to CPU", line))}
    assert overridden == set(plan.cpu_expert_tensors) == {
        f"blk.{i}.ffn_{kind}_exps.weight" for i in (0, 1) for kind in ("gate", "up", "down")}
    assert not any("shexp" in name or "indexer" in name or "hc_" in name for name in overridden)
    _, answer, _ = chat(engine, ask("hi"), think=False, grammar=ANSWER_SCRIPT)
    assert answer == "The answer is 4."


def test_the_distill_reasons_then_answers_with_its_own_template(engine: LocalEngine,
                                                                distill_model: Path) -> None:
    loaded = engine.load(distill_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    assert loaded.info.arch == "qwen2" and loaded.info.thinking is ThinkingMode.HYBRID
    history = (ChatMessage(Role.SYSTEM, "Be brief."), *ask("2+2?"))
    reasoning, answer, stats = chat(engine, history, think=True, grammar=THINK_SCRIPT)
    assert (reasoning, answer) == ("Let me think.", "The answer is 4.")
    assert stats.prompt_tokens > 5
