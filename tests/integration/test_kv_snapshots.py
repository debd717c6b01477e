"""KV snapshots on real llama.cpp: a conversation continued after a restart or a switch reads
only what is new, gives the same answer as a fresh engine, and a damaged or foreign snapshot is
harmless."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.chat.events import AnswerDelta, Finished, GenerationStats, ReasoningDelta
from backend.chat.messages import ChatMessage, ChatRequest, Role, Sampling
from backend.engine.kv_snapshots import MAGIC
from backend.engine.local_engine import LoadSettings, LocalEngine
from backend.engine.offload import Machine
from backend.engine.snapshot_store import GiB, SnapshotStore
from tests.support.tiny_deepseek import write_v4_model

GREEDY = Sampling(temperature=0.0)
CPU_ONLY = Machine((), 16 << 30, 20.0)
SETTINGS = LoadSettings(n_ctx=2048)
# Long enough to be worth keeping (LocalEngine.MIN_SNAPSHOT_TOKENS), different from the start.
A = "Conversation A. " + " ".join(f"apple{i}" for i in range(150))
B = "Conversation B. " + " ".join(f"berry{i}" for i in range(150))


def answer(engine: LocalEngine, prompt: str, conversation: str | None = None
           ) -> tuple[str, GenerationStats]:
    text, stats = "", None
    for item in engine.generate(prompt, sampling=GREEDY, max_tokens=8, conversation=conversation):
        if isinstance(item, GenerationStats):
            stats = item
        else:
            text += item
    assert stats is not None
    return text, stats


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "kv-snapshots"


@pytest.fixture
def start(r1_model: Path, folder: Path) -> Iterator[Callable[..., LocalEngine]]:
    """`start(store=True)`: a fresh engine (as after a restart) with the model loaded."""
    made: list[LocalEngine] = []

    def make(store: bool = True, model: Path = r1_model,
             settings: LoadSettings = SETTINGS) -> LocalEngine:
        snapshots = SnapshotStore(folder, disk_cap=GiB) if store else None
        engine = LocalEngine(snapshots=snapshots)
        engine.load(model, settings, machine=CPU_ONLY)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.unload()
        if engine.snapshots is not None:
            assert engine.snapshots.flush()


def restart(engine: LocalEngine) -> None:
    """What closing the app does: the cache is kept, written, and the engine is gone."""
    engine.unload()
    assert engine.snapshots is not None and engine.snapshots.flush()


def test_a_conversation_continued_after_a_restart_reads_only_what_is_new(start) -> None:
    first = start()
    answer(first, A, "a")
    restart(first)
    again = start()
    follow_up = A + " And then?"
    text, stats = answer(again, follow_up, "a")
    fresh_text, fresh = answer(start(store=False), follow_up)
    assert text == fresh_text  # the restored cache answers exactly as a cold one
    assert fresh.cached_tokens == 0
    assert stats.cached_tokens >= stats.prompt_tokens - 8  # only the new words were read


def test_switching_a_b_a_continues_a_without_reading_it_again(start) -> None:
    engine = start()
    answer(engine, A, "a")
    answer(engine, B, "b")
    _, stats = answer(engine, A + " More?", "a")
    assert stats.cached_tokens >= stats.prompt_tokens - 8
    _, back = answer(engine, B + " More?", "b")
    assert back.cached_tokens >= back.prompt_tokens - 8


def snapshot_file(folder: Path) -> Path:
    files = list(folder.glob("*.kvsnap"))
    assert len(files) == 1, files
    return files[0]


@pytest.mark.parametrize("damage", ["truncate", "flip-cells", "flip-tokens", "garbage", "empty"])
def test_a_damaged_snapshot_is_ignored_and_deleted(start, folder: Path, damage: str) -> None:
    first = start()
    answer(first, A, "a")
    restart(first)
    path = snapshot_file(folder)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip-cells":
        data[-100] ^= 0xFF
    elif damage == "flip-tokens":
        data[len(data) // 3] ^= 0x01  # lands in the header, the tokens or the cells: all caught
    elif damage == "garbage":
        data = bytearray(MAGIC + os.urandom(len(data) - len(MAGIC)))
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    engine = start()
    text, stats = answer(engine, A + " And then?", "a")
    fresh_text, _ = answer(start(store=False), A + " And then?")
    assert text == fresh_text
    assert stats.cached_tokens == 0
    assert not path.exists()


def test_a_snapshot_of_another_model_with_the_same_shapes_is_never_used(
        start, folder: Path, tiny_model: Callable[..., Path]) -> None:
    twin = tiny_model("DeepSeek-R1-Twin-F16.gguf", name="DeepSeek-R1 Twin", seed=7)
    first = start(model=twin)
    answer(first, A, "a")
    restart(first)
    engine = start()  # the r1 model: same shapes, other weights
    text, stats = answer(engine, A + " And then?", "a")
    assert stats.cached_tokens == 0
    assert text == answer(start(store=False), A + " And then?")[0]


def test_another_cache_layout_does_not_use_the_snapshot(start) -> None:
    first = start()
    answer(first, A, "a")
    restart(first)
    engine = start(settings=LoadSettings(n_ctx=2048, flash_attn=False))  # V laid out otherwise
    _, stats = answer(engine, A + " And then?", "a")
    assert stats.cached_tokens == 0


def test_deleting_a_conversation_deletes_its_snapshot_and_the_cap_evicts_the_oldest(
        start, folder: Path) -> None:
    engine = start()
    answer(engine, A, "a")
    answer(engine, B, "b")
    assert engine.snapshots is not None and engine.snapshots.flush()
    assert len(list(folder.glob("*.kvsnap"))) == 2
    engine.forget_conversation("a")
    assert len(list(folder.glob("*.kvsnap"))) == 1
    one = engine.snapshots.usage()
    engine.snapshots.set_caps(disk_cap=one * 3 // 2)  # room for one, not two: the newest stays
    answer(engine, A, "a")
    assert engine.snapshots.flush()
    assert len(list(folder.glob("*.kvsnap"))) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_snapshots_are_private_files(start, folder: Path) -> None:
    engine = start()
    answer(engine, A, "a")
    restart(engine)
    assert stat.S_IMODE(snapshot_file(folder).stat().st_mode) == 0o600


def test_switched_off_nothing_is_kept(start, folder: Path) -> None:
    engine = start()
    assert engine.snapshots is not None
    engine.snapshots.enabled = False
    answer(engine, A, "a")
    restart(engine)
    assert not list(folder.glob("*.kvsnap"))


def chat(engine: LocalEngine, messages: list[ChatMessage], conversation: str
         ) -> tuple[str, GenerationStats]:
    """One turn with deep thinking, as the window asks it: the answer and its stats."""
    request = ChatRequest(messages=tuple(messages), deep_thinking=True, sampling=GREEDY,
                          max_tokens=8, conversation_id=conversation)
    text, stats = "", None
    for event in engine.chat(request):
        if isinstance(event, Finished):
            stats = event.stats
        elif isinstance(event, AnswerDelta | ReasoningDelta):
            text += event.text
    assert stats is not None
    return text, stats


def test_a_v4_thinking_conversation_reads_only_what_is_new_across_turns_and_a_restart(
    start, tmp_path: Path
) -> None:
    # V4's compressed cache cannot drop its tail, and its template drops past reasoning, so the
    # next prompt repeats this one only up to `<think>`: the cache kept before that token is
    # what the next turn (and the one after a restart) restores.
    model = write_v4_model(tmp_path / "v4.gguf")
    engine = start(model=model)
    history = [ChatMessage(Role.USER, A)]
    first, stats1 = chat(engine, history, "v4")
    history += [ChatMessage(Role.ASSISTANT, first), ChatMessage(Role.USER, "And then? " * 20)]
    second, stats2 = chat(engine, history, "v4")
    assert stats2.cached_tokens >= stats1.prompt_tokens - 1
    restart(engine)

    again = start(model=model)
    history += [ChatMessage(Role.ASSISTANT, second), ChatMessage(Role.USER, "Why? " * 20)]
    third, stats3 = chat(again, history, "v4")
    fresh_third, fresh = chat(start(store=False, model=model), history, "v4")
    assert stats3.cached_tokens >= stats2.prompt_tokens - 1
    assert fresh.cached_tokens == 0
    assert third == fresh_third  # the restored cache answers as a fresh evaluation does
