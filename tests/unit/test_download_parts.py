"""Small pieces of the model manager: model units, hashing, the control object, the HF cache
layout, and that huggingface_hub loads only when the hub is used."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.gguf.file_sets import UnitKind, group_units
from backend.hub import hf_cache
from backend.hub.client import HubConfig, RemoteFile
from backend.hub.transfer_events import DownloadControl, SpeedMeter
from backend.hub.verify import HashKind, StreamHasher, expected_hash, hash_file

ROOT = Path(__file__).resolve().parents[2]


def test_units_group_split_sets_and_name_missing_parts() -> None:
    units = group_units(
        [
            "Q4/M-Q4-00001-of-00003.gguf",
            "Q4/M-Q4-00003-of-00003.gguf",
            "single.gguf",
            "README.md",
            "raw.gguf.part1of2",
        ]
    )
    by_name = {u.name: u for u in units}
    assert by_name["M-Q4"].kind is UnitKind.SPLIT
    assert by_name["M-Q4"].paths == ("Q4/M-Q4-00001-of-00003.gguf", "Q4/M-Q4-00003-of-00003.gguf")
    assert by_name["M-Q4"].missing == ("M-Q4-00002-of-00003.gguf",)
    assert by_name["single"].complete and by_name["single"].kind is UnitKind.SINGLE
    assert by_name["README.md"].kind is UnitKind.OTHER
    assert by_name["raw"].kind is UnitKind.BYTE_SPLIT and by_name["raw"].missing == (
        "raw.gguf.part2of2",
    )


@given(st.lists(st.binary(max_size=5000), max_size=20))
def test_stream_hasher_equals_hashlib(chunks: list[bytes]) -> None:
    hasher = StreamHasher(HashKind.SHA256, sum(map(len, chunks)))
    for chunk in chunks:
        hasher.update(chunk)
    assert hasher.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()


def test_reset_forgets_the_bytes_fed(tmp_path: Path) -> None:
    hasher = StreamHasher(HashKind.SHA256, 3)
    hasher.update(b"junk" * 2_000_000)
    hasher.reset()
    hasher.update(b"abc")
    assert hasher.hexdigest() == hashlib.sha256(b"abc").hexdigest()


def test_git_blob_ids_verify_files_stored_without_lfs(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_bytes(b"hello\n")
    # `git hash-object` of "hello\n":
    assert hash_file(path, HashKind.GIT_SHA1) == "ce013625030ba8dba906f756967f9e9ca394464a"
    plain = RemoteFile("README.md", 6, None, "ce013625030ba8dba906f756967f9e9ca394464a")
    assert expected_hash(plain) == (HashKind.GIT_SHA1, "ce013625030ba8dba906f756967f9e9ca394464a")


def test_control_wakes_a_paused_or_sleeping_job_on_cancel() -> None:
    control = DownloadControl()
    control.pause()
    results: list[bool] = []
    waiter = threading.Thread(target=lambda: results.append(control.wait_while_paused()))
    waiter.start()
    time.sleep(0.05)
    control.resume()
    waiter.join(1)
    assert results == [True]

    sleeper = threading.Thread(target=lambda: results.append(control.sleep(30)))
    start = time.monotonic()
    sleeper.start()
    control.cancel()
    sleeper.join(1)
    assert results == [True, False] and time.monotonic() - start < 1


def test_speed_meter_uses_a_sliding_window() -> None:
    meter = SpeedMeter(window_s=2)
    for second in range(10):
        meter.add(1000 if second < 5 else 100, now=float(second))
    assert meter.speed(now=9.0) == pytest.approx(100, rel=0.01)


def test_hub_config_reads_the_environment_at_call_time(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("hf_from_file\n")
    env = {"HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:1/", "HF_HUB_OFFLINE": "1"}
    config = HubConfig.from_env(env)
    assert config == HubConfig("http://127.0.0.1:1", "hf_from_file", True, tmp_path / "hub")
    assert HubConfig.from_env({**env, "HF_TOKEN": "hf_env", "HF_HUB_CACHE": "/c"}).token == "hf_env"
    assert HubConfig.from_env({"HF_HUB_CACHE": "/c"}).cache_dir == Path("/c")


def test_a_shared_blob_survives_deleting_one_snapshot(tmp_path: Path) -> None:
    repo, etag = "org/M-GGUF", "e" * 64
    blob = hf_cache.blob_path(tmp_path, repo, etag)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"x" * 10)
    hf_cache.link_snapshot(tmp_path, repo, "1" * 40, "m.gguf", etag)
    hf_cache.link_snapshot(tmp_path, repo, "2" * 40, "m.gguf", etag)
    assert hf_cache.remove_files(tmp_path, repo, "1" * 40, ["m.gguf"]) == 0
    assert blob.exists()
    assert hf_cache.remove_files(tmp_path, repo, "2" * 40, ["m.gguf"]) == 10
    assert not hf_cache.repo_folder(tmp_path, repo).exists()


def test_the_model_manager_loads_huggingface_hub_only_when_used() -> None:
    hub_modules = sorted(p.stem for p in (ROOT / "backend" / "hub").glob("*.py")
                         if p.stem != "__init__")
    code = (
        "import sys; import app.cli.models_command, "
        + ", ".join(f"backend.hub.{n}" for n in hub_modules)
        + "; print('PySide6' in sys.modules, 'huggingface_hub' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
