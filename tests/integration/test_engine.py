"""The local engine on real llama.cpp with tiny generated DeepSeek models."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.chat.events import AnswerDelta, Finished, FinishReason, GenerationStats, ReasoningDelta
from backend.chat.messages import ChatMessage, ChatRequest, Role, Sampling
from backend.engine.local_engine import LoadCancelled, LoadSettings, LocalEngine
from backend.engine.native import capture_log
from backend.engine.offload import GpuBudget, Machine, PlanOptions, plan_offload
from backend.engine.preflight import inspect_loadable
from backend.errors import (
    AppError,
    ContextOverflowError,
    ThinkingUnsupportedError,
    TruncatedFileError,
)

GREEDY = Sampling(temperature=0.0)
# Forces a reasoning block, the closing tag and an answer, whatever the random weights say.
SCRIPT = 'root ::= "Let me think. 你好" "</think>" "\\n\\nThe answer is **4**."'
SCRIPT_SPECIAL_TOKEN = 'root ::= "Let me think." </think> "\\n\\nFour."'
CPU_ONLY = Machine((), 16 << 30, 20.0)


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    eng = LocalEngine()
    yield eng
    eng.unload()


def run(gen: Iterator[str | GenerationStats]) -> tuple[str, GenerationStats]:
    text = ""
    stats = None
    for item in gen:
        if isinstance(item, GenerationStats):
            stats = item
        else:
            text += item
    assert stats is not None
    return text, stats


def ask(question: str, think: bool, **kw: object) -> ChatRequest:
    return ChatRequest((ChatMessage(Role.USER, question),), deep_thinking=think, seed=1, **kw)  # type: ignore[arg-type]


def test_generate_streams_text_and_reports_stats(engine: LocalEngine, r1_model: Path) -> None:
    loaded = engine.load(r1_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    assert loaded.n_ctx == 512
    assert loaded.plan.verdict.value == "cpu_only"
    text, stats = run(engine.generate("Hello there", sampling=GREEDY, max_tokens=16))
    assert stats.finish_reason is FinishReason.LENGTH
    assert stats.completion_tokens == 16
    assert stats.prompt_tokens == engine.count_tokens("Hello there")
    assert text
    assert stats.ttft_s > 0 and stats.decode_tps > 0 and stats.prompt_tps > 0
    # Greedy decoding is deterministic.
    again, _ = run(engine.generate("Hello there", sampling=GREEDY, max_tokens=16))
    assert again == text


def test_chat_splits_reasoning_from_answer(engine: LocalEngine, r1_model: Path) -> None:
    engine.load(r1_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    events = list(engine.chat(ask("What is 2+2?", think=True, sampling=GREEDY), grammar=SCRIPT))
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert reasoning == "Let me think. 你好"
    assert answer == "The answer is **4**."
    assert isinstance(events[-1], Finished)
    assert events[-1].stats.finish_reason is FinishReason.STOP


def test_think_tags_count_even_as_control_tokens(engine: LocalEngine, tiny_model: Callable[..., Path]) -> None:
    from backend.chat import builtin_templates

    path = tiny_model("DeepSeek-R1-Control.gguf", name="DeepSeek-R1 Tiny Test",
                      chat_template=builtin_templates.DEEPSEEK_R1, think_tags_control=True)
    engine.load(path, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    events = list(engine.chat(ask("2+2?", think=True, sampling=GREEDY), grammar=SCRIPT_SPECIAL_TOKEN))
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Let me think."
    assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == "Four."


def test_v3_cannot_think_and_answers_directly(engine: LocalEngine, v3_model: Path) -> None:
    engine.load(v3_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    with pytest.raises(ThinkingUnsupportedError):
        list(engine.chat(ask("Hi", think=True)))
    events = list(engine.chat(ask("Hi", think=False, sampling=GREEDY, max_tokens=8)))
    assert not any(isinstance(e, ReasoningDelta) for e in events)
    assert isinstance(events[-1], Finished)


def test_overrides_reach_llama_cpp(engine: LocalEngine, r1_model: Path) -> None:
    """On the CPU build llama.cpp still logs each overridden tensor: exactly the planned ones."""
    info = inspect_loadable(r1_model)
    fake_gpu = GpuBudget("Simulated GPU", 8 << 30, 8 << 30, 1000.0)
    plan = plan_offload(info.layout, Machine((fake_gpu,), 16 << 30, 20.0), PlanOptions(cpu_moe_layers=1))
    assert plan.cpu_expert_tensors == (
        "blk.1.ffn_down_exps.weight", "blk.1.ffn_gate_exps.weight", "blk.1.ffn_up_exps.weight")
    with capture_log() as lines:
        engine.load(r1_model, LoadSettings(n_ctx=512), plan=plan)
    overridden = {
        m.group(1) for line in lines
        if (m := re.match(r"tensor (\S+) \(.*\) buffer type overridden to CPU", line))
    }
    assert overridden == set(plan.cpu_expert_tensors)
    text, _ = run(engine.generate("Hi", sampling=GREEDY, max_tokens=4))
    assert text


def test_auto_plan_overrides_reach_llama_cpp(engine: LocalEngine, r1_model: Path) -> None:
    """A GPU that holds all but about one expert tensor: the planner picks which to keep in RAM."""
    info = inspect_loadable(r1_model)
    roomy = plan_offload(info.layout, Machine((GpuBudget("big", 64 << 30, 64 << 30),), 16 << 30))
    expert = max(t.n_bytes for t in info.layout.tensors if t.role.value == "experts")
    # Free memory such that the margin plus everything but ~1.5 expert tensors fits.
    free = int((512 * 2**20 + roomy.gpu_bytes - 1.5 * expert) / 0.97)
    plan = plan_offload(info.layout, Machine((GpuBudget("small", free, free),), 16 << 30))
    assert plan.verdict.value == "experts_in_ram"
    assert plan.cpu_expert_tensors  # some, not all
    with capture_log() as lines:
        engine.load(r1_model, LoadSettings(n_ctx=512), plan=plan)
    overridden = {m.group(1) for line in lines
                  if (m := re.match(r"tensor (\S+) \(.*\) buffer type overridden", line))}
    assert overridden == set(plan.cpu_expert_tensors)


def test_cancel_stops_within_one_token(engine: LocalEngine, r1_model: Path) -> None:
    engine.load(r1_model, LoadSettings(n_ctx=2048), machine=CPU_ONLY)
    endless = 'root ::= [a-z ]+ "." root'
    pieces_before, pieces_after = 0, 0
    stats = None
    for item in engine.generate("Tell me a story", sampling=Sampling(temperature=1.0), seed=3,
                                grammar=endless):
        if isinstance(item, GenerationStats):
            stats = item
        elif pieces_before < 5:
            pieces_before += 1
            if pieces_before == 5:
                engine.cancel()
        else:
            pieces_after += 1
    assert stats is not None and stats.finish_reason is FinishReason.CANCELLED
    assert pieces_after == 0
    assert stats.completion_tokens == 5


def test_cancel_from_another_thread(engine: LocalEngine, r1_model: Path) -> None:
    engine.load(r1_model, LoadSettings(n_ctx=4096), machine=CPU_ONLY)
    twenty = threading.Event()
    result: list[GenerationStats] = []
    count = [0]

    def worker() -> None:
        for item in engine.generate("Go on", sampling=Sampling(temperature=1.0), seed=5,
                                    grammar='root ::= [a-z ]+ "." root'):
            if isinstance(item, GenerationStats):
                result.append(item)
            else:
                count[0] += 1
                if count[0] == 20:
                    twenty.set()

    thread = threading.Thread(target=worker)
    thread.start()
    assert twenty.wait(30)
    engine.cancel()
    at_cancel = count[0]
    thread.join(10)
    assert not thread.is_alive()
    assert result[0].finish_reason is FinishReason.CANCELLED
    # The flag is read before every token: at most the token already in flight follows.
    assert result[0].completion_tokens <= at_cancel + 1


def test_follow_up_reuses_the_cached_prefix(engine: LocalEngine, r1_model: Path) -> None:
    engine.load(r1_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
    first = "A long shared conversation prefix that the second turn repeats. " * 4
    _, stats1 = run(engine.generate(first, sampling=GREEDY, max_tokens=4))
    assert stats1.cached_tokens == 0
    _, stats2 = run(engine.generate(first + "And more?", sampling=GREEDY, max_tokens=4))
    assert stats2.cached_tokens >= stats1.prompt_tokens - 1
    # Same text, different model output afterwards: still correct and deterministic.
    a, _ = run(engine.generate("Fresh start", sampling=GREEDY, max_tokens=8))
    engine.unload()
    engine.load(r1_model, LoadSettings(n_ctx=1024), machine=CPU_ONLY)
    b, _ = run(engine.generate("Fresh start", sampling=GREEDY, max_tokens=8))
    assert a == b


def test_load_progress_cancel_and_reload(engine: LocalEngine, r1_model: Path) -> None:
    seen: list[float] = []
    engine.load(r1_model, LoadSettings(n_ctx=512), machine=CPU_ONLY, progress=seen.append)
    assert seen and seen[-1] == pytest.approx(1.0)
    assert seen == sorted(seen)
    engine.unload()

    def cancel_at_start(value: float) -> None:
        engine.cancel_load()

    with pytest.raises(LoadCancelled):
        engine.load(r1_model, LoadSettings(n_ctx=512), machine=CPU_ONLY, progress=cancel_at_start)
    assert engine.loaded is None
    engine.load(r1_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    assert run(engine.generate("ok", sampling=GREEDY, max_tokens=2))[1].completion_tokens == 2


def test_unload_then_generate_says_so(engine: LocalEngine, r1_model: Path) -> None:
    engine.load(r1_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    engine.unload()
    with pytest.raises(AppError, match="^No model is loaded. Choose a model first.$"):
        run(engine.generate("x", sampling=GREEDY))


def test_context_overflow_is_explained(engine: LocalEngine, r1_model: Path) -> None:
    engine.load(r1_model, LoadSettings(n_ctx=256), machine=CPU_ONLY)
    with pytest.raises(ContextOverflowError, match=r"more than the 256-token context"):
        run(engine.generate("word " * 400, sampling=GREEDY))
    endless = 'root ::= "ab " root'  # never complete, so the model can never stop by itself
    _, stats = run(engine.generate("short", sampling=GREEDY, max_tokens=1000, grammar=endless))
    assert stats.finish_reason is FinishReason.LENGTH
    assert stats.prompt_tokens + stats.completion_tokens == 256


def test_split_set_loads_and_runs(engine: LocalEngine, r1_split_model: Path) -> None:
    loaded = engine.load(r1_split_model, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    assert len(loaded.info.parts) == 3
    assert run(engine.generate("hi", sampling=GREEDY, max_tokens=3))[1].completion_tokens == 3


def test_corrupt_file_is_refused_before_llama_cpp(engine: LocalEngine, r1_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(r1_model.read_bytes()[:-5000])
    with capture_log() as lines, pytest.raises(TruncatedFileError):
        engine.load(broken, machine=CPU_ONLY)
    assert lines == []  # llama.cpp never saw it


def test_llama_cpp_load_failure_is_explained(engine: LocalEngine, tmp_path: Path) -> None:
    """A file that passes preflight but that llama.cpp refuses: its reason reaches the user."""
    from tests.support.raw_gguf import write_raw_gguf

    path = write_raw_gguf(tmp_path / "hollow.gguf", {"general.architecture": "deepseek2"},
                          [("token_embd.weight", (32, 8), 0)])
    with pytest.raises(AppError) as err:
        engine.load(path, LoadSettings(n_ctx=512), machine=CPU_ONLY)
    assert str(err.value).startswith("llama.cpp could not load hollow.gguf: ")
    assert "deepseek2." in str(err.value)  # names the missing key
    assert engine.loaded is None
