"""The download service against a fake hub on 127.0.0.1: the catalog off the GUI thread, one job
at a time, the persisted queue, shutdown mid-download and the resume on the next launch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Slot

from app.gui.downloads.download_manager import DownloadManager
from app.gui.downloads.download_worker import PROGRESS_INTERVAL_S, DownloadWorker
from backend.hub.download_queue import JobAction, JobState, JobView
from backend.hub.manifest import Manifest
from backend.hub.transfer_events import DownloadProgress, Paused
from backend.paths import app_paths
from tests.support.download_setup import PART1, PART2, FullDisk, MakeManager, Settings
from tests.support.fake_hub import FakeHub, Fault
from tests.support.hub_setup import DISTILL_FILE, DISTILL_REPO, R1_QUANT, R1_REPO, Samples

pytest_plugins = ["tests.support.hub_fixtures", "tests.support.download_fixtures"]

pytestmark = pytest.mark.gui


def snapshot_file(tmp: Path, repo: str, commit: str, path: str) -> Path:
    folder = "models--" + repo.replace("/", "--")
    return tmp / "hf-cache" / folder / "snapshots" / commit / path


def saved_queue() -> dict[str, Any]:
    return json.loads((app_paths().data / "downloads.json").read_text(encoding="utf-8"))


def parts_in(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.part"))


class Recorder(QObject):
    """Keeps the states a manager reports (a GUI-thread receiver, as the app's would be)."""

    def __init__(self, manager: DownloadManager) -> None:
        super().__init__()
        self.states: list[tuple[str, str]] = []
        manager.job_state.connect(self._on_job_state)

    @Slot(str, str, str)
    def _on_job_state(self, job_id: str, state: str, message: str) -> None:
        self.states.append((state, message))


def test_a_split_set_is_one_job_that_ends_installed(
    qtbot: Any, model_hub: FakeHub, make_manager: MakeManager, hf_env: Path
) -> None:
    manager = make_manager()
    recorder = Recorder(manager)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000) as installed:
        job_id = manager.start((R1_REPO, R1_QUANT))
    commit = model_hub.repos[R1_REPO].commit
    assert installed.args == [str(snapshot_file(hf_env, R1_REPO, commit, PART1))]
    view = manager.job(job_id)
    assert view is not None and view.state is JobState.INSTALLED
    assert (view.file_count, view.done) == (3, view.total)
    assert [s for s, _ in recorder.states] == ["preparing", "downloading", "installed"]
    assert saved_queue() == {"version": 1, "jobs": []}


def test_jobs_run_one_at_a_time_in_order(
    qtbot: Any, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    fault = model_hub.add_fault(Fault(PART1, "hold", after=200_000))
    manager = make_manager()
    first = manager.start((R1_REPO, R1_QUANT))
    second = manager.start((DISTILL_REPO, "Q4_K_M"))
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)
    assert manager.job(second).state is JobState.QUEUED  # type: ignore[union-attr]
    assert manager.start((R1_REPO, R1_QUANT)) == first  # the same download is the same job
    installed: list[str] = []
    manager.model_installed.connect(installed.append)
    fault.release.set()
    qtbot.waitUntil(lambda: len(installed) == 2, timeout=10_000)
    assert [Path(p).name for p in installed] == [Path(PART1).name, DISTILL_FILE]


def test_the_queue_is_saved_as_json_with_the_pinned_commit_and_partial_files(
    qtbot: Any, model_hub: FakeHub, make_manager: MakeManager, hf_env: Path
) -> None:
    fault = model_hub.add_fault(Fault(PART2, "hold", after=300_000))
    manager = make_manager(Settings(download_dir=str(hf_env / "models")))
    job_id = manager.start((R1_REPO, R1_QUANT))
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)
    qtbot.waitUntil(lambda: bool(saved_queue()["jobs"][0]["parts"]), timeout=5000)
    [job] = saved_queue()["jobs"]
    blobs = hf_env / "models" / ".cache" / "deepseek-local"
    files = model_hub.repos[R1_REPO].files
    shas = [files[p].sha256 for p in sorted(files)]
    assert job == {
        "id": job_id,
        "repo": R1_REPO,
        "title": f"DeepSeek-R1-GGUF · {R1_QUANT}",
        "quant": R1_QUANT,
        "paths": [],
        "revision": "main",
        "commit": model_hub.repos[R1_REPO].commit,
        "destination": str(hf_env / "models"),
        "parts": [str(blobs / f"{sha}.part") for sha in shas],
        "paused": False,
    }
    assert not list(app_paths().data.glob("*.tmp"))
    fault.release.set()
    with qtbot.waitSignal(manager.model_installed, timeout=10_000) as installed:
        pass
    assert installed.args == [str(hf_env / "models" / PART1)]


def test_shutdown_mid_download_keeps_the_partial_file_and_the_next_launch_resumes_it(
    qtbot: Any, model_hub: FakeHub, make_manager: MakeManager, hf_env: Path, samples: Samples
) -> None:
    fault = model_hub.add_fault(Fault(PART2, "hold", after=700_000))
    first = make_manager()
    job_id = first.start((R1_REPO, R1_QUANT))
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)

    assert first.shutdown(timeout_ms=2000)
    fault.release.set()
    [part] = parts_in(hf_env / "hf-cache")
    kept = part.stat().st_size
    assert 0 < kept <= 700_000
    [saved] = saved_queue()["jobs"]
    assert saved["id"] == job_id

    second = make_manager()
    with qtbot.waitSignal(second.model_installed, timeout=10_000):
        assert second.resume_pending() == [job_id]
    assert model_hub.gets(PART2)[-1].range == f"bytes={kept}-"
    assert second.job(job_id).state is JobState.INSTALLED  # type: ignore[union-attr]
    part2 = snapshot_file(hf_env, R1_REPO, model_hub.repos[R1_REPO].commit, PART2)
    assert part2.read_bytes() == samples.split_parts[1].read_bytes()
    assert saved_queue()["jobs"] == []


def test_a_job_paused_by_the_user_stays_paused_after_a_relaunch(
    qtbot: Any, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    fault = model_hub.add_fault(Fault(PART2, "hold", after=400_000))
    first = make_manager()
    job_id = first.start((R1_REPO, R1_QUANT))
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)
    first.pause(job_id)
    assert first.shutdown()

    second = make_manager()
    assert second.resume_pending() == [job_id]
    assert second.job(job_id).state is JobState.PAUSED  # type: ignore[union-attr]
    with qtbot.waitSignal(second.model_installed, timeout=10_000):
        second.resume(job_id)


def test_an_unreadable_queue_file_is_ignored(make_manager: MakeManager) -> None:
    path = app_paths().data / "downloads.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    assert make_manager().resume_pending() == []


def test_progress_reaches_the_gui_thread_about_ten_times_a_second(qtbot: Any) -> None:
    worker = DownloadWorker(policy=None, open_part=None,
                            manifest=lambda: Manifest(app_paths().manifest_file))
    seen: list[object] = []
    worker.progressed.connect(lambda _job, event: seen.append(event))  # same thread: runs at once
    total = 1000

    def progress(done: int) -> DownloadProgress:
        return DownloadProgress("f.gguf", 1, 1, done, total, done, total, 1.0, None)

    for done in range(1, 500):
        worker._on_event(progress(done))
    assert len(seen) == 1  # the first; the rest came within PROGRESS_INTERVAL_S
    worker._on_event(Paused("f.gguf"))  # any other event flushes the last progress first
    assert seen[1:] == [progress(499), Paused("f.gguf")]
    worker._on_event(progress(total))  # the last one always goes through
    assert seen[-1] == progress(total)
    assert PROGRESS_INTERVAL_S == 0.1


def test_views_are_values(model_hub: FakeHub, make_manager: MakeManager) -> None:
    manager = make_manager()
    job_id = manager.start((DISTILL_REPO, "Q4_K_M"))
    view = manager.job(job_id)
    assert isinstance(view, JobView)
    with pytest.raises(AttributeError):
        view.state = JobState.FAILED  # type: ignore[misc]


def test_cancelling_a_failed_job_can_discard_its_partial_files(
    qtbot: Any, model_hub: FakeHub, make_manager: MakeManager, hf_env: Path
) -> None:
    manager = make_manager(open_part=FullDisk(room=500_000))
    job_id = manager.start((R1_REPO, R1_QUANT))

    def state() -> JobState | None:
        view = manager.job(job_id)
        return view.state if view else None

    qtbot.waitUntil(lambda: state() is JobState.FAILED, timeout=5000)
    assert manager.jobs()[0].action is JobAction.DISK
    [part] = parts_in(hf_env / "hf-cache")
    with qtbot.waitSignal(manager.job_state) as changed:
        manager.cancel(job_id, discard=True)
    assert changed.args == [job_id, "cancelled", ""]
    assert not part.exists() and not part.with_name(part.name + ".lock").exists()
    assert saved_queue()["jobs"] == []
