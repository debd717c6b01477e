"""The snapshot store's choices, without llama.cpp: which snapshot a prompt restores, which ones a
new one supersedes, and what survives a restart (blobs here are stand-in bytes)."""

from __future__ import annotations

import struct
from pathlib import Path

from backend.engine.kv_snapshots import _SEQ_BLOB_MAGIC, Snapshot, SnapshotKey
from backend.engine.snapshot_store import GiB, SnapshotStore

KEY = SnapshotKey(model="m1", kv_type="f16", v_trans=False, llama="0.3")
OTHER = SnapshotKey(model="m2", kv_type="f16", v_trans=False, llama="0.3")


def snap(tokens: range | list[int], conversation: str | None = "c", key: SnapshotKey = KEY
         ) -> Snapshot:
    cells = bytearray(struct.pack("<I", _SEQ_BLOB_MAGIC) + b"cells" * 10)  # as llama.cpp's start
    return Snapshot(key, tuple(tokens), cells, conversation)


def store(folder: Path) -> SnapshotStore:
    return SnapshotStore(folder, disk_cap=GiB)


def test_a_prompt_finds_the_snapshot_sharing_its_longest_start(tmp_path: Path) -> None:
    s = store(tmp_path)
    a = s.put(snap(range(100), "a"))
    b = s.put(snap([*range(50), *range(500, 600)], "b"))
    assert s.best_match(KEY, [*range(80), 9999]) == (a, 80)
    assert s.best_match(KEY, [*range(50), 500, 501]) == (b, 52)
    assert s.best_match(OTHER, list(range(100))) == (None, 0)  # another model's never match


def test_a_new_snapshot_supersedes_its_conversations_older_one_and_its_starts(
    tmp_path: Path,
) -> None:
    s = store(tmp_path)
    old = s.put(snap(range(100), "a"))
    edited = s.put(snap(range(300, 380), "a"))  # the same conversation, edited
    assert s.get(old) is None
    other = s.put(snap(range(300, 340), "b"))
    longer = s.put(snap(range(300, 400), "c"))  # holds both of them whole: they go
    assert s.get(edited) is None and s.get(other) is None
    assert s.best_match(KEY, list(range(300, 400))) == (longer, 100)
    unrelated = s.put(snap(range(500, 600), "d"))
    assert s.get(longer) is not None and s.get(unrelated) is not None


def test_a_whole_only_cache_restores_only_snapshots_that_are_wholly_a_start(
    tmp_path: Path,
) -> None:
    # V4: the checkpoint before the last prompt token, then the cache after the answer; the
    # checkpoint must survive the answer's snapshot, since it cannot be cut from it.
    s = store(tmp_path)
    checkpoint = s.put(snap(range(100), "v4"))
    after = s.put(snap(range(130), "v4"), keep_starts=True)
    next_prompt = [*range(99), 7777, *range(200, 260)]  # differs from turn 1 at its last token
    assert s.best_match(KEY, next_prompt)[1] == 99  # a start only: useless to this cache
    assert s.longest_start(KEY, next_prompt, limit=len(next_prompt) - 1) == (None, 0)
    same_prompt = list(range(101))
    assert s.longest_start(KEY, same_prompt, limit=100) == (checkpoint, 100)
    assert s.longest_start(KEY, list(range(140)), limit=139) == (after, 130)
    assert s.longest_start(KEY, list(range(130)), limit=129) == (checkpoint, 100)  # <= limit
    # The next turn's checkpoint supersedes both: at most two per conversation.
    s.put(snap(range(160), "v4"))
    assert s.longest_start(KEY, list(range(200)), limit=199)[1] == 160
    assert s.best_match(KEY, list(range(130)))[1] == 130  # the new one holds that start
    assert s.get(checkpoint) is None and s.get(after) is None


def test_snapshots_survive_a_restart_and_go_with_their_conversation(tmp_path: Path) -> None:
    s = store(tmp_path)
    a = s.put(snap(range(100), "a"))
    s.put(snap(range(1000, 1100), "b"))
    assert s.flush()
    again = store(tmp_path)
    assert again.best_match(KEY, list(range(100))) == (a, 100)
    restored = again.get(a)
    assert restored is not None and restored.tokens == tuple(range(100))
    again.drop_conversation("a")
    assert again.flush()
    assert store(tmp_path).best_match(KEY, list(range(100))) == (None, 0)
    assert store(tmp_path).best_match(KEY, list(range(1000, 1100)))[1] == 100


def test_switched_off_it_finds_and_keeps_nothing(tmp_path: Path) -> None:
    s = SnapshotStore(tmp_path, disk_cap=GiB, enabled=False)
    s.put(snap(range(100)))
    assert s.best_match(KEY, list(range(100))) == (None, 0)
    assert s.longest_start(KEY, list(range(100)), limit=99) == (None, 0)
    assert s.flush()
    assert store(tmp_path).best_match(KEY, list(range(100))) == (None, 0)
