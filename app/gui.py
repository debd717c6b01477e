"""Desktop entry point: create the QApplication and show the main window."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    app = QApplication([sys.argv[0], *argv])
    app.setApplicationName("DeepSeek Local")
    app.setDesktopFileName("deepseek-local")
    window = MainWindow()
    window.show()
    return app.exec()
