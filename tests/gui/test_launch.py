"""Launching like a user does: --version, one window per profile, --self-test, crash dialog."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.crash import CrashReporter

ROOT = Path(__file__).resolve().parents[2]


def launch(*args: str | Path, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "HF_HOME": str(home / "hf"), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "app", "--data-dir", str(home), *map(str, args)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for_log(home: Path, text: str, timeout: float = 30) -> str:
    log = home / "logs" / "deepseek-local.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = log.read_text() if log.exists() else ""
        if text in content:
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in the log:\n{content}")


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "app", "--version"], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "DeepSeek Local 0.1.0"


def test_a_second_launch_raises_the_first_window(tmp_path: Path) -> None:
    home = tmp_path / "profile"
    first = launch(home=home)
    try:
        wait_for_log(home, "listening for later launches")
        second = launch(home=home)
        try:
            second.communicate(timeout=30)
        finally:
            if second.poll() is None:  # it opened a window of its own: the failure shows below
                second.kill()
                second.communicate()
        assert second.returncode == 0
        log = wait_for_log(home, "a second launch raised this window")
        assert "another window is open for this profile" in log
        assert first.poll() is None  # the first one is still running
    finally:
        first.terminate()
        first.communicate(timeout=10)


def test_self_test_answers_and_exits_zero(r1_model: Path, tmp_path: Path) -> None:
    home = tmp_path / "profile"
    proc = launch("--model", r1_model, "--self-test", home=home)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.strip().startswith("self-test: ok: complete")
    log = (home / "logs" / "deepseek-local.log").read_text()
    assert "Traceback" not in log and "exited with 0" in log


def test_unexpected_errors_show_a_dialog_with_the_log_path(qtbot: QtBot, tmp_path: Path) -> None:
    log_path = tmp_path / "deepseek-local.log"
    reporter = CrashReporter(log_path)
    try:
        raise RuntimeError("boom")  # noqa: TRY301 - a real traceback for the hook
    except RuntimeError as exc:
        reporter._hook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: reporter._box is not None and reporter._box.isVisible())
    box = reporter._box
    assert isinstance(box, QMessageBox)
    assert "RuntimeError: boom" in box.text() and str(log_path) in box.text()
    box.close()
    assert QApplication.instance() is not None  # the app stays up


def test_launcher_file_urls_become_paths() -> None:
    from app.__main__ import _path_of

    assert _path_of("file:///home/me/My%20Models/r1.gguf") == "/home/me/My Models/r1.gguf"
    assert _path_of("/plain/path.gguf") == "/plain/path.gguf"
