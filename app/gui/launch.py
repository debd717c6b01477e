"""Desktop entry point: options, logging, single instance, crash handling, the main window."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from backend.paths import app_paths

if TYPE_CHECKING:
    from app.gui.garbage_collector import MainThreadGarbageCollector

log = logging.getLogger(__name__)
_STARTED = time.time()
WARM_UP_DELAY_MS = 1500  # after the first paint and the model's load has begun


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deepseek-local", description="DeepSeek Local")
    parser.add_argument("--data-dir", type=Path,
                        help="keep settings, conversations and logs in this folder (portable mode)")
    parser.add_argument("--model", help="load this GGUF model at start")
    parser.add_argument("--self-test", action="store_true",
                        help="load --model, answer one prompt, exit 0 if it worked")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help="a GGUF model to open")
    args, _qt_args = parser.parse_known_args(argv)
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    paths = app_paths(args.data_dir).ensure()
    from app.gui.logging_setup import setup_logging

    log_path = setup_logging(paths.logs)
    log.info("starting; data in %s", paths.data)

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from app.gui.single_instance import InstanceServer, hand_over

    app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("DeepSeek Local")
    app.setOrganizationName("DeepSeekLocal")
    app.setDesktopFileName("deepseek-local")
    model = args.model or next((f for f in args.files if f.endswith(".gguf")), None)
    alone = args.self_test or args.startup_probe
    if not alone and hand_over(paths.data, [str(Path(model).resolve())] if model else []):
        log.info("another window is open for this profile: raised it")
        return 0
    app.setWindowIcon(QIcon(str(_icon_path())))
    from app.gui.garbage_collector import MainThreadGarbageCollector

    collector = MainThreadGarbageCollector(app)
    collector.start()  # before any worker thread exists

    from app.gui.app_controller import AppController
    from app.gui.crash import CrashReporter

    crash = CrashReporter(log_path)
    crash.install()
    server = None if alone else InstanceServer(paths.data)
    controller = AppController(app, paths, model=model)
    if server is not None:
        server.activated.connect(controller.activate)
    controller.window.show()
    if args.startup_probe:
        QTimer.singleShot(0, lambda: _report_startup(app))
    else:
        QTimer.singleShot(0, controller.start)
    QTimer.singleShot(0, collector.settle)  # the window is built: it lives as long as the app
    if not args.startup_probe:
        QTimer.singleShot(WARM_UP_DELAY_MS, lambda: _warm_up(collector))
    if args.self_test:
        from app.gui.self_test import SelfTest

        self_test = SelfTest(controller)  # noqa: F841 - lives as long as the event loop
    code = app.exec()
    controller.shutdown()
    if server is not None:
        server.close()
    log.info("exited with %s (log: %s)", code, log_path.name)
    if controller.restart_requested:
        _restart(argv)
    return code


def _warm_up(collector: MainThreadGarbageCollector) -> None:
    """What the first answer would load on the GUI thread, loaded while the app is idle (and
    frozen with the rest of start-up, see `MainThreadGarbageCollector.settle`)."""
    from ui.markdown.render import warm_up

    warm_up()
    collector.settle()


def restart_command(argv: list[str]) -> list[str]:
    """How to start this app again with the same options: the bundle's binary, or Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *argv]
    return [sys.executable, "-m", "app", *argv]


def _restart(argv: list[str]) -> None:
    """A fresh process for settings that apply at start-up (the interface language). This one
    has closed its single-instance server already, so the new one becomes the window."""
    import subprocess

    log.info("restarting")
    subprocess.Popen(restart_command(argv), start_new_session=True,
                     stdin=subprocess.DEVNULL)


def _icon_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("resources") / "icons" / "deepseek-local.svg"))


def _report_startup(app: object) -> None:
    """For the start-up benchmark: seconds from process start to a shown window, and RSS."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    rss = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    print(f"startup-probe shown_at={time.time():.4f} rss={rss}", flush=True)
    QApplication.exit(0)
