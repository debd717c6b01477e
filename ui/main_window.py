"""The main window. For now a placeholder that points to the headless commands."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("DeepSeek Local")
        self.resize(960, 640)
        label = QLabel(
            "<h2>DeepSeek Local</h2>"
            "<p>The chat window is on its way. Meanwhile, from a terminal:</p>"
            "<pre>python -m app inspect MODEL.gguf\n"
            "python -m app plan MODEL.gguf\n"
            "python -m app chat MODEL.gguf \"Hello\"</pre>"
        )
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setTextFormat(Qt.TextFormat.RichText)
        self.setCentralWidget(label)
