"""Desktop entry point: options, logging, the QApplication and the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from backend.paths import HOME_ENV, app_paths

log = logging.getLogger(__name__)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deepseek-local", description="DeepSeek Local")
    parser.add_argument("--data-dir", type=Path,
                        help="keep settings, conversations and logs in this folder (portable mode)")
    parser.add_argument("--model", help="load this GGUF model at start")
    parser.add_argument("files", nargs="*", help="a GGUF model to open")
    args, _qt_args = parser.parse_known_args(argv)
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.data_dir:
        os.environ[HOME_ENV] = str(args.data_dir.expanduser().resolve())
    paths = app_paths().ensure()
    from app.logging_setup import setup_logging

    log_path = setup_logging(paths.logs)
    log.info("starting; data in %s", paths.data)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.app_controller import AppController

    app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("DeepSeek Local")
    app.setOrganizationName("DeepSeekLocal")
    app.setDesktopFileName("deepseek-local")
    model = args.model or next((f for f in args.files if f.endswith(".gguf")), None)
    controller = AppController(app, paths, model=model)
    controller.window.show()
    QTimer.singleShot(0, controller.start)
    code = app.exec()
    controller.shutdown()
    log.info("exited with %s (log: %s)", code, log_path.name)
    return code
