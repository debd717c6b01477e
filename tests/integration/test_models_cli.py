"""`python -m app models ...` end to end against the fake hub, including a download killed with
SIGKILL and resumed by a second process."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli.commands import main
from tests.support.fake_hub import FakeHub, Fault
from tests.support.hub_setup import (
    DISTILL_FILE,
    DISTILL_REPO,
    R1_QUANT,
    R1_REPO,
    Samples,
)

pytest_plugins = ["tests.support.hub_fixtures"]

ROOT = Path(__file__).resolve().parents[2]
PART2 = f"DeepSeek-R1-{R1_QUANT}/DeepSeek-R1-{R1_QUANT}-00002-of-00003.gguf"
# The real entry point, as users and scripts run it.
CLI = [sys.executable, "-m", "app"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hub_with_models(fake_hub: FakeHub, samples: Samples) -> FakeHub:
    fake_hub.add_repo(R1_REPO, samples.r1_files())
    fake_hub.add_repo(DISTILL_REPO, {DISTILL_FILE: samples.single})
    return fake_hub


def test_download_json_lines_end_with_a_verified_model(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str], hf_env: Path
) -> None:
    code, out, err = run(capsys, "models", "download", R1_REPO, "--quant", R1_QUANT, "--json")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert kinds.count("file_started") == 3 and kinds.count("file_verified") == 3
    assert "progress" in kinds
    started, finished = events[0], events[-1]
    assert started["repo"] == R1_REPO and started["file_count"] == 3
    assert finished["status"] == "completed"
    assert finished["model_path"].startswith(
        str(hf_env / "hf-cache" / "models--unsloth--DeepSeek-R1-GGUF")
    )
    progress = [e for e in events if e["event"] == "progress"][-1]
    assert set(progress) == {
        "event",
        "path",
        "file_index",
        "file_count",
        "file_done",
        "file_total",
        "done",
        "total",
        "speed_bps",
        "eta_s",
    }


def test_download_prints_the_model_path_and_progress_on_stderr(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str], hf_env: Path
) -> None:
    code, out, err = run(
        capsys, "models", "download", DISTILL_REPO, "--quant", "Q4_K_M", "--dir", str(hf_env / "m")
    )
    assert code == 0, err
    assert out == f"{hf_env / 'm' / DISTILL_FILE}\n"
    assert "Verified DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf (sha256 " in err
    assert err.endswith("All files verified.\n")


def test_a_failed_download_is_one_clear_line(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "models", "download", R1_REPO, "--quant", "Q9_Z")
    assert code == 2 and out == ""  # a quant the repo does not have is bad input
    assert err.splitlines()[-1] == (
        f"deepseek-local: No Q9_Z files in {R1_REPO} at revision "
        f"{hub_with_models.repos[R1_REPO].commit[:12]}. Quants there: {R1_QUANT}."
    )


def test_a_failed_json_download_reports_an_error_event(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str]
) -> None:
    hub_with_models.add_fault(Fault(DISTILL_FILE, "tamper", after=10))
    code, out, err = run(
        capsys, "models", "download", DISTILL_REPO, "--file", DISTILL_FILE, "--json"
    )
    assert code == 1
    last = json.loads(out.splitlines()[-1])
    assert last["event"] == "error" and last["error"] == "ChecksumMismatchError"
    assert err.startswith(f"deepseek-local: Checksum mismatch for {DISTILL_FILE} (expected ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["models", "download"],
            (
                "deepseek-local models download: error: the following arguments are required: REPO "
                "(see --help)"
            ),
        ),
        (
            ["models", "download", R1_REPO, "--quant", "Q4_K_M", "--file", "a.gguf"],
            (
                "deepseek-local models download: error: argument --file: not allowed with argument "
                "--quant (see --help)"
            ),
        ),
        (
            ["models", "frobnicate"],
            (
                "deepseek-local models: error: argument COMMAND: invalid choice: 'frobnicate' (choose "
                "from 'catalog', 'download', 'list', 'verify', 'remove') (see --help)"
            ),
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], hf_env: Path
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err == message + "\n"


def test_the_real_entry_point_rejects_bad_input_in_one_line(hf_env: Path) -> None:
    done = subprocess.run(
        [*CLI, "models", "download", "--quant", "Q4_K_M"],
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "error: the following arguments are required: REPO" in done.stderr


def test_a_bad_repo_id_is_exit_2(capsys: pytest.CaptureFixture[str], hf_env: Path) -> None:
    code, _, err = run(capsys, "models", "download", "not-a-repo", "--quant", "Q4_K_M")
    assert code == 2
    assert (
        err == "deepseek-local: 'not-a-repo' is not a Hugging Face repo id. Use owner/name, e.g. "
        "unsloth/DeepSeek-R1-GGUF.\n"
    )


def laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan verdicts for a fixed machine (no GPU, 64 GiB RAM), whatever runs the tests."""
    from app.cli import models_command
    from backend.engine.offload import GiB, Machine
    from backend.hub.fit import verdict_function

    monkeypatch.setattr(models_command, "verdict_function",
                        lambda: verdict_function(Machine((), 64 * GiB, 50.0)))


def test_catalog_json_has_live_sizes_and_a_fit_verdict(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str], samples: Samples,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop(monkeypatch)
    code, out, _ = run(capsys, "models", "catalog", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    by_key = {(r["repo"], r["quant"]): r for r in rows}
    r1 = by_key[(R1_REPO, R1_QUANT)]
    assert r1["total_bytes"] == sum(p.stat().st_size for p in samples.split_parts)
    assert [f["path"].rsplit("/", 1)[-1] for f in r1["files"]] == [
        p.name for p in samples.split_parts
    ]
    assert (r1["family"], r1["thinking"], r1["sampling"]) == (
        "deepseek-r1",
        "always",
        {"temperature": 0.6, "top_p": 0.95},
    )
    assert r1["revision"] == hub_with_models.repos[R1_REPO].commit and r1["problem"] is None
    distill = by_key[(DISTILL_REPO, "Q4_K_M")]
    assert distill["total_bytes"] == samples.single.stat().st_size
    assert by_key[(R1_REPO, "Q8_0")]["problem"].startswith("not on the hub at revision ")
    v3 = by_key[("unsloth/DeepSeek-V3.1-GGUF", "Q4_K_M")]
    assert v3["total_bytes"] is None and v3["thinking"] == "hybrid"
    assert v3["problem"].startswith("Model repo unsloth/DeepSeek-V3.1-GGUF was not found on ")
    # The fake hub's files are tiny: they run on the CPU of any machine.
    assert r1["fit"].startswith("CPU only (~") and distill["fit"].startswith("CPU only (~")
    assert v3["fit"] is None


def test_catalog_table_has_a_fit_column(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop(monkeypatch)
    code, out, _ = run(capsys, "models", "catalog")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["MODEL", "QUANT", "SIZE", "FILES", "THINKING", "FIT", "LICENSE"]
    assert "CPU only (~" in lines[1]  # the recommended (best-ranked) option comes first


def test_catalog_offline_lists_v3_2_and_v4_flash_with_approximate_sizes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import models_command
    from backend.engine.offload import GiB, GpuBudget, Machine
    from backend.hub.fit import verdict_function

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    desktop = Machine((GpuBudget("GPU", 24 * GiB, 24 * GiB, 1000.0),), 128 * GiB, 60.0)
    monkeypatch.setattr(models_command, "verdict_function", lambda: verdict_function(desktop))
    code, out, err = run(capsys, "models", "catalog")
    assert code == 0
    rows = {(line[:24].strip(), line.split()[1]): line for line in out.splitlines()[1:]}
    flash = rows[("DeepSeek-V4-Flash", "UD-Q4_K_XL")]
    assert "~155.0 GB (approximate)" in flash and "GPU + experts in RAM (~" in flash
    assert "(approximate)" in rows[("DeepSeek-V3.2", "UD-Q2_K_XL")]
    # The best for a 24 GB GPU with 128 GB of RAM, offline too: V4-Flash.
    assert out.splitlines()[1].startswith("DeepSeek-V4-Flash ")
    assert err.startswith("note: the hub could not be reached, so sizes are the catalog's "
                          "approximate ones and nothing can be downloaded now: Cannot reach ")
    code, out, _ = run(capsys, "models", "catalog", "--json")
    by_key = {(r["model"], r["quant"]): r for r in map(json.loads, out.splitlines())}
    flash_json = by_key[("DeepSeek-V4-Flash", "UD-Q4_K_XL")]
    assert (flash_json["total_bytes"], flash_json["approximate"], flash_json["files"]) == (
        155 * 10**9, True, [])
    v41 = by_key[("DeepSeek-V4.1-Flash", "UD-Q2_K_XL")]
    assert v41["fit"] is None and v41["problem"].startswith("needs a newer llama.cpp")


def test_list_verify_and_remove(
    hub_with_models: FakeHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "models", "download", DISTILL_REPO, "--quant", "Q4_K_M")[0] == 0
    name = "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M"
    code, out, _ = run(capsys, "models", "list", "--json")
    [listed] = [json.loads(line) for line in out.splitlines()]
    assert (listed["name"], listed["state"], listed["source"], listed["loadable"]) == (
        name,
        "verified",
        "download",
        True,
    )

    code, out, _ = run(capsys, "models", "verify", name)
    assert (code, out) == (0, f"{name}: all 1 files verified.\n")

    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    code, _, err = run(capsys, "models", "remove", name)
    assert code == 1 and err.endswith("[y/N] Nothing deleted.\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    code, out, _ = run(capsys, "models", "remove", name)
    assert (code, out) == (0, f"Deleted {name}: 3.1 MB freed.\n")
    assert run(capsys, "models", "list", "--json")[1] == ""


def test_a_killed_download_resumes_in_a_new_process(
    hub_with_models: FakeHub, samples: Samples, hf_env: Path
) -> None:
    hold = hub_with_models.add_fault(Fault(PART2, "hold", after=1_000_000))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [*CLI, "models", "download", R1_REPO, "--quant", R1_QUANT]
    blobs = hf_env / "hf-cache" / "models--unsloth--DeepSeek-R1-GGUF" / "blobs"
    first = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        kept = 0
        while time.monotonic() < deadline:
            parts = list(blobs.glob("*.part"))
            kept = parts[0].stat().st_size if parts else 0
            if hold.fired.is_set() and kept == 1_000_000:
                break
            time.sleep(0.02)
        assert kept == 1_000_000, "the first process never reached the held byte"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
        hold.release.set()
    assert first.returncode == -signal.SIGKILL

    second = subprocess.run(
        argv, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 0, second.stderr
    assert [g.range for g in hub_with_models.gets(PART2)] == [None, "bytes=1000000-"]
    assert "Resuming DeepSeek-R1-UD-IQ1_S-00002-of-00003.gguf from 1.0 MB" in second.stderr
    model_path = Path(second.stdout.strip())
    assert model_path.name == samples.split_parts[0].name
    part2 = model_path.parent / samples.split_parts[1].name
    assert (
        hashlib.sha256(part2.read_bytes()).hexdigest()
        == hashlib.sha256(samples.split_parts[1].read_bytes()).hexdigest()
    )
    assert not list(blobs.glob("*.part"))
