"""The download dialog driven by a real download manager and a fake hub on 127.0.0.1: the catalog
with sizes and verdicts, a download's progress, pause/resume/cancel, and each failure's fix."""

from __future__ import annotations

import os
import shutil
from collections import namedtuple
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.gui.downloads.download_controller import format_eta, job_row, open_download_dialog
from app.gui.downloads.download_manager import DownloadManager
from backend.hub.catalog import FitVerdict
from backend.hub.download_queue import JobAction, JobState, JobView
from backend.units import format_bytes
from tests.support.download_setup import (
    FAST,
    PART1,
    PART2,
    FullDisk,
    MakeManager,
    Settings,
    mount_point,
)
from tests.support.fake_hub import FakeHub, Fault
from tests.support.hub_setup import DISTILL_FILE, DISTILL_REPO, R1_QUANT, R1_REPO, Samples
from ui.downloads.catalog_table import BADGE_ROLE
from ui.downloads.download_cards import JobWidget
from ui.downloads.download_dialog import DownloadDialog

pytest_plugins = ["tests.support.hub_fixtures", "tests.support.download_fixtures"]

pytestmark = pytest.mark.gui

UNAVAILABLE_R1 = ["UD-IQ1_M", "UD-IQ2_XXS", "UD-Q2_K_XL", "Q4_K_M", "Q8_0"]
R1_NOTE = ("DeepSeek-R1 code and weights are MIT-licensed; commercial use and derivatives are "
           "allowed.")


def opened(qtbot: Any, host: QWidget, manager: DownloadManager,
           family: str | None = None) -> DownloadDialog:
    dialog = open_download_dialog(host, manager, family)
    qtbot.waitUntil(lambda: dialog.catalog_state in ("loaded", "failed"), timeout=10_000)
    return dialog


def only_job(qtbot: Any, dialog: DownloadDialog, manager: DownloadManager) -> JobWidget:
    qtbot.waitUntil(lambda: len(manager.jobs()) == 1, timeout=5000)
    widget = dialog.job_widget(manager.jobs()[0].id)
    assert widget is not None
    return widget


def held_download(qtbot: Any, host: QWidget, model_hub: FakeHub,
                  make_manager: MakeManager) -> tuple[DownloadManager, JobWidget]:
    """A download started from the dialog, its second part held open halfway by the hub."""
    fault = model_hub.add_fault(Fault(PART2, "hold", after=500_000))
    manager = make_manager()
    dialog = opened(qtbot, host, manager)
    dialog.download_button.click()
    job = only_job(qtbot, dialog, manager)
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)
    return manager, job


def settle_layouts() -> None:
    """Run the pending layout passes (each may request another, a level up or down)."""
    for _ in range(6):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def r1_size(samples: Samples) -> str:
    return format_bytes(sum(p.stat().st_size for p in samples.split_parts))


def test_the_catalog_shows_sizes_thinking_and_verdicts_with_the_recommended_first(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager, samples: Samples
) -> None:
    dialog = opened(qtbot, host, make_manager())
    rows = dialog.visible_rows()
    commit = model_hub.repos[R1_REPO].commit[:12]
    distill_commit = model_hub.repos[DISTILL_REPO].commit[:12]
    shown = [(r.model, r.quant, r.size, r.thinking, r.problem or r.verdict, r.recommended)
             for r in rows]
    assert shown == [
        ("DeepSeek-R1", R1_QUANT, r1_size(samples), "Reasons (R1)", "Runs on your GPU", True),
        ("DeepSeek-R1-Distill-Qwen-7B", "Q4_K_M", format_bytes(samples.single.stat().st_size),
         "Reasons (R1)", "Runs on your GPU", False),
        *[("DeepSeek-R1", q, "—", "Reasons (R1)", f"Not on the hub at revision {commit}", False)
          for q in UNAVAILABLE_R1],
        *[("DeepSeek-R1-Distill-Qwen-7B", q, "—", "Reasons (R1)",
           f"Not on the hub at revision {distill_commit}", False) for q in ("Q6_K", "Q8_0")],
    ]
    table = dialog.table
    assert table.item(0, 4).text() == "Runs on your GPU"
    assert table.item(2, 4).text() == f"Not on the hub at revision {commit}"
    assert table.item(0, 4).data(BADGE_ROLE) == "Recommended"  # a badge
    assert R1_NOTE in table.item(0, 3).toolTip()  # the licence on hover
    # The recommended row is selected: its details (and licence) show, ready to download.
    assert dialog.selected_row() == rows[0]
    assert dialog.detail_title.text() == f"DeepSeek-R1 · {R1_QUANT}"
    assert dialog.detail_license.text() == f"Licence: MIT. {R1_NOTE}"
    assert dialog.download_button.text() == f"Download {r1_size(samples)}"
    assert dialog.download_button.isEnabled()
    dialog.select(f"{R1_REPO}::Q8_0")
    assert not dialog.download_button.isEnabled()
    assert dialog.detail_problem.text() == f"Unavailable: Not on the hub at revision {commit}"


def test_nothing_is_recommended_when_nothing_fits(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    too_large = FitVerdict("Too large for this machine (needs 1.2 TB RAM+VRAM)", 312.0)
    dialog = opened(qtbot, host, make_manager(verdict=lambda option: too_large))
    available = [r for r in dialog.visible_rows() if r.problem is None]
    assert [(r.verdict, r.tone, r.recommended) for r in available] == [
        (too_large.text, "bad", False)] * 2


def test_the_family_filter_and_the_search_box_narrow_the_list(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    manager = make_manager()
    dialog = opened(qtbot, host, manager, family="deepseek-r1-distill")
    assert {r.model for r in dialog.visible_rows()} == {"DeepSeek-R1-Distill-Qwen-7B"}
    assert dialog.family.currentText() == "R1 distills (smaller)"
    # Asked again (the Deep thinking toggle offering R1): the same dialog, filtered anew.
    assert open_download_dialog(host, manager, "deepseek-r1") is dialog
    assert len(dialog.visible_rows()) == 9  # R1 (6 quants) and its distill (3)
    dialog.search.setText("q8")
    assert [(r.model, r.quant) for r in dialog.visible_rows()] == [
        ("DeepSeek-R1", "Q8_0"), ("DeepSeek-R1-Distill-Qwen-7B", "Q8_0")]
    dialog.family.setCurrentIndex(dialog.family.findData("deepseek-v3"))
    assert dialog.visible_rows() == []
    assert dialog.stack.currentIndex() == 3  # "No model matches the filter."
    assert not dialog.download_button.isEnabled()


def test_a_download_shows_its_progress_and_ends_installed(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager, samples: Samples,
    hf_env: Path, tmp_path: Path
) -> None:
    # Part 2 stalls (a retry with a Range request follows), then holds mid-file: the backend
    # reports progress every 0.2 s, and the stall makes sure one report lands inside part 2.
    model_hub.add_fault(Fault(PART2, "stall", after=300_000, seconds=0.3))
    fault = model_hub.add_fault(Fault(PART2, "hold", after=900_000))
    # A long stall timeout: the held connection stays "Downloading" for the screenshot.
    manager = make_manager(policy=replace(FAST, stall_timeout_s=10.0))
    dialog = opened(qtbot, host, manager)
    dialog.download_button.click()
    job = only_job(qtbot, dialog, manager)
    qtbot.waitUntil(lambda: (manager.jobs()[0].file_index, manager.jobs()[0].file_done > 300_000)
                    == (2, True), timeout=5000)  # in part 2 (part 1 is bigger than 300 kB)
    view = manager.jobs()[0]
    assert (view.state, view.file_index, view.message) == (JobState.DOWNLOADING, 2, "")
    assert job.state_label.text() == "Downloading"
    assert 0 < job.progress.value() < 1000
    assert job.summary.text().startswith(f"{format_bytes(view.done)} of {r1_size(samples)} · ")
    assert job.summary.text().endswith(" left")  # a speed and an ETA
    size2 = format_bytes(samples.split_parts[1].stat().st_size)
    assert job.file_label.text() == f"Part 2 of 3 · {format_bytes(view.file_done)} of {size2}"
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)
    assert job.pause_button.isVisible() and job.cancel_button.isVisible()
    settle_layouts()  # the last update's, before taking the picture
    assert job.file_label.width() >= job.file_label.sizeHint().width()  # nothing clipped
    assert dialog.jobs_scroll.height() == job.height() == job.sizeHint().height()
    shot = tmp_path / "download-dialog.png"
    assert dialog.grab().save(str(shot)) and shot.stat().st_size > 10_000
    if folder := os.environ.get("DOWNLOAD_DIALOG_SHOTS"):  # for a person to look at
        shutil.copy(shot, Path(folder) / shot.name)

    with qtbot.waitSignal(manager.model_installed, timeout=10_000) as installed:
        fault.release.set()
    assert Path(installed.args[0]).name == Path(PART1).name
    assert job.state_label.text() == "Installed"
    assert job.progress.value() == 1000
    assert job.summary.text() == f"{r1_size(samples)} verified · ready in the model picker"
    assert not job.pause_button.isVisible() and not job.cancel_button.isVisible()
    with qtbot.waitSignal(manager.job_removed):
        job.dismiss_button.click()
    assert dialog.job_widget(manager.jobs()[0].id if manager.jobs() else "") is None


def test_pause_then_resume_continues_with_a_range_request(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    manager, job = held_download(qtbot, host, model_hub, make_manager)
    job.pause_button.click()
    assert (job.state_label.text(), job.message.text()) == ("Paused", "Pausing…")
    assert job.resume_button.isVisible() and not job.pause_button.isVisible()
    # The held connection ends at the stall timeout; then the job waits, its connection closed.
    qtbot.waitUntil(lambda: not job.message.isVisible(), timeout=5000)
    assert job.state_label.text() == "Paused"
    assert len(model_hub.gets(PART2)) == 1
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        job.resume_button.click()
    [first, again] = model_hub.gets(PART2)
    assert first.range is None and again.range is not None and again.range.startswith("bytes=")


def test_cancel_stops_the_download_and_removes_its_partial_files(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager, hf_env: Path
) -> None:
    manager, job = held_download(qtbot, host, model_hub, make_manager)
    job.cancel_button.click()
    qtbot.waitUntil(lambda: job.state_label.text() == "Cancelled", timeout=5000)
    assert not list((hf_env / "hf-cache").rglob("*.part"))
    assert job.retry_button.text() == "Download again" and job.retry_button.isVisible()
    assert job.dismiss_button.isVisible() and not job.cancel_button.isVisible()
    assert not manager.jobs()[0].model_path


def test_a_gated_repo_asks_for_a_token_and_the_retry_succeeds(
    qtbot: Any, host: QWidget, fake_hub: FakeHub, samples: Samples, make_manager: MakeManager
) -> None:
    fake_hub.add_repo(R1_REPO, samples.r1_files(), gated=True)
    settings = Settings()
    manager = make_manager(settings)
    dialog = opened(qtbot, host, manager)
    manager.start((R1_REPO, R1_QUANT))
    job = only_job(qtbot, dialog, manager)
    qtbot.waitUntil(lambda: job.state_label.text() == "Failed", timeout=5000)
    page, tokens = f"{fake_hub.endpoint}/{R1_REPO}", f"{fake_hub.endpoint}/settings/tokens"
    assert job.message.text() == (
        f"{R1_REPO} is gated or private: the hub answered HTTP 401 because no token was sent. "
        f"Accept its terms on {page} while signed in, create a read token at {tokens}, set "
        "HF_TOKEN to it, and try again.")
    assert job.hint.text() == "Enter a Hugging Face read token:"
    assert job.token_edit.isVisible() and job.token_button.isVisible()
    assert not job.retry_button.isVisible()

    qtbot.keyClicks(job.token_edit, f"  {fake_hub.token} ")
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        qtbot.keyClick(job.token_edit, Qt.Key.Key_Return)  # no other button takes the Enter
    assert len(manager.jobs()) == 1
    assert settings.saved_tokens == [fake_hub.token]  # the app saved it in the settings
    assert job.state_label.text() == "Installed" and not job.token_edit.isVisible()
    assert all(r.headers.get("authorization") == f"Bearer {fake_hub.token}"
               for r in fake_hub.gets())


def test_gated_catalog_entries_ask_for_a_token_in_place(
    qtbot: Any, host: QWidget, fake_hub: FakeHub, samples: Samples, make_manager: MakeManager
) -> None:
    fake_hub.add_repo(R1_REPO, samples.r1_files(), gated=True)
    fake_hub.add_repo(DISTILL_REPO, {DISTILL_FILE: samples.single})
    dialog = opened(qtbot, host, make_manager())
    assert dialog.notice.isVisible()
    assert dialog.notice_label.text().startswith(f"{R1_REPO} is gated or private: ")
    assert dialog.notice_label.text().endswith(" Enter a Hugging Face read token to see these "
                                               "models:")
    assert [r.model for r in dialog.visible_rows() if r.problem is None] == [
        "DeepSeek-R1-Distill-Qwen-7B"]
    gated = [r.problem for r in dialog.visible_rows() if r.model == "DeepSeek-R1"]
    assert len(gated) == 6 and all(p and p.startswith(f"{R1_REPO} is gated") for p in gated)
    dialog.notice_token.setText(fake_hub.token)
    dialog.notice_button.click()
    qtbot.waitUntil(lambda: dialog.catalog_state == "loaded" and not dialog.notice.isVisible(),
                    timeout=10_000)
    assert dialog.visible_rows()[0].model == "DeepSeek-R1"


def test_a_404_during_the_download_is_explained_and_retry_succeeds(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    model_hub.add_fault(Fault(PART2, "status", status=404))
    manager = make_manager()
    dialog = opened(qtbot, host, manager)
    dialog.download_button.click()
    job = only_job(qtbot, dialog, manager)
    qtbot.waitUntil(lambda: job.state_label.text() == "Failed", timeout=5000)
    commit = model_hub.repos[R1_REPO].commit
    assert job.message.text() == (
        f"{PART2} was not found in {R1_REPO} at revision {commit[:12]} (HTTP 404). It may have "
        f"been renamed or removed upstream: see {model_hub.endpoint}/{R1_REPO} for the current "
        "files.")
    assert job.retry_button.isVisible() and job.cancel_button.isVisible()
    assert not job.token_edit.isVisible() and not job.hint.isVisible()
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        job.retry_button.click()


def test_an_unreachable_hub_shows_approximate_sizes_and_fit_with_a_retry(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    dialog = open_download_dialog(host, make_manager())
    assert dialog.catalog_state == "loading" and dialog.stack.currentIndex() == 1
    qtbot.waitUntil(lambda: dialog.catalog_state == "loaded", timeout=10_000)
    # Offline the catalog's own approximate sizes stand in, so the fit verdicts still work.
    message = dialog.notice_label.text()
    assert message.startswith(f"Cannot reach http://127.0.0.1:9 to read {R1_REPO}: ")
    assert message.endswith("Sizes and verdicts below are approximate; downloads can start "
                            "once the hub answers.")
    assert not dialog.notice_token.isVisible() and dialog.notice_button.text() == "Look again"
    rows = {(r.model, r.quant): r for r in dialog.visible_rows()}
    r1 = rows[("DeepSeek-R1", "UD-IQ1_S")]
    assert r1.size == "~131.0 GB" and r1.verdict.endswith("(approximate)")
    assert r1.problem is not None  # nothing can be downloaded until the hub answers
    assert rows[("DeepSeek-R1-Distill-Qwen-7B", "Q4_K_M")].size == "~4.7 GB"
    assert sum(r.recommended for r in rows.values()) == 1  # still a recommendation offline
    shot = tmp_path / "catalog-offline.png"
    assert dialog.grab().save(str(shot))

    monkeypatch.setenv("HF_ENDPOINT", model_hub.endpoint)  # back online
    dialog.notice_button.click()
    qtbot.waitUntil(lambda: dialog.catalog_state == "loaded" and not dialog.notice.isVisible(),
                    timeout=10_000)
    assert dialog.visible_rows()[0].model == "DeepSeek-R1"


def test_closing_the_dialog_keeps_the_download_running(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager
) -> None:
    fault = model_hub.add_fault(Fault(PART2, "hold", after=400_000))
    manager = make_manager()
    dialog = opened(qtbot, host, manager)
    dialog.download_button.click()
    qtbot.waitUntil(fault.fired.is_set, timeout=5000)
    dialog.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=2000)
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        fault.release.set()
    again = opened(qtbot, host, manager)
    [view] = manager.jobs()
    job = again.job_widget(view.id)
    assert job is not None and job.state_label.text() == "Installed"


def test_a_full_disk_says_how_much_to_free_and_where(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager, samples: Samples,
    hf_env: Path
) -> None:
    disk = FullDisk(room=1_000_000)
    manager = make_manager(open_part=disk)
    dialog = opened(qtbot, host, manager)
    dialog.download_button.click()
    job = only_job(qtbot, dialog, manager)
    qtbot.waitUntil(lambda: job.state_label.text() == "Failed", timeout=5000)
    [part] = list((hf_env / "hf-cache").rglob("*.part"))
    kept, first = part.stat().st_size, samples.split_parts[0]
    total = sum(p.stat().st_size for p in samples.split_parts)
    assert job.message.text() == (
        f"The disk is full: writing {first.name} to {part.parent} failed after {kept} of "
        f"{first.stat().st_size} bytes. The partial file was kept; free up at least "
        f"{format_bytes(first.stat().st_size - kept)} and run the download again to resume.")
    assert job.hint.text() == (
        f"Free {format_bytes(total - kept)} on {mount_point(part.parent)} and retry.")
    assert job.retry_button.isVisible()

    disk.room = 10**9  # the user made room
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        job.retry_button.click()
    assert model_hub.gets(Path(PART1).name)[-1].range == f"bytes={kept}-"


def test_not_enough_space_is_found_before_the_first_byte(
    qtbot: Any, host: QWidget, model_hub: FakeHub, make_manager: MakeManager, samples: Samples,
    hf_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = namedtuple("usage", "total used free")
    free = [1_000_000]
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 0, free[0]))
    manager = make_manager()
    dialog = opened(qtbot, host, manager)
    dialog.download_button.click()
    job = only_job(qtbot, dialog, manager)
    qtbot.waitUntil(lambda: job.state_label.text() == "Failed", timeout=5000)
    needed = sum(p.stat().st_size for p in samples.split_parts)
    assert job.message.text().startswith(f"Not enough disk space for {R1_REPO} ({R1_QUANT}): ")
    assert job.hint.text() == (
        f"Free {format_bytes(needed - 1_000_000)} on {mount_point(hf_env)} and retry.")
    assert model_hub.gets() == []
    free[0] = 10**12
    with qtbot.waitSignal(manager.model_installed, timeout=10_000):
        job.retry_button.click()


# -- the values the dialog is given ---------------------------------------------------------------


def view(state: JobState, **changes: Any) -> JobView:
    base = JobView("j1", "DeepSeek-R1 · UD-IQ1_S", R1_REPO, R1_QUANT, state, total=131_000_000_000,
                   done=43_000_000_000, file_index=2, file_count=3, file_done=2_000_000_000,
                   file_total=46_000_000_000, speed_bps=38_000_000.0, eta_s=2315.0)
    return JobView(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


def test_job_rows_say_what_a_job_is_doing() -> None:
    row = job_row(view(JobState.DOWNLOADING))
    assert (row.state, row.tone, row.summary, row.file_line) == (
        "Downloading", "active", "43.0 GB of 131.0 GB · 38.0 MB/s · about 39 min left",
        "Part 2 of 3 · 2.0 GB of 46.0 GB")
    assert row.can_pause and row.can_cancel and not row.can_resume and not row.can_retry
    paused = job_row(view(JobState.PAUSED, speed_bps=0.0))
    assert (paused.summary, paused.can_resume, paused.can_pause) == (
        "43.0 GB of 131.0 GB", True, False)
    failed = job_row(view(JobState.FAILED, message="No room.", action=JobAction.DISK,
                          hint="Free 3.0 GB on /data and retry."))
    assert (failed.tone, failed.action, failed.hint, failed.can_retry) == (
        "error", "disk", "Free 3.0 GB on /data and retry.", True)
    starting = job_row(view(JobState.PREPARING, total=0, done=0, file_count=0, file_index=0))
    assert (starting.progress, starting.summary) == (None, "")
    assert [format_eta(s) for s in (20, 600, 3600, 7500)] == [
        "less than a minute left", "about 10 min left", "about 1 h left", "about 2 h 5 min left"]
