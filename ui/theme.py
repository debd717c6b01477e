"""Light and dark themes: Fusion with our palette and stylesheet, following the system by default.

Widgets take their colours from the application palette, so everything (including the chat's
HTML, which reads the palette) switches together when the system flips between light and dark.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#4d6bfe"  # DeepSeek blue


@dataclass(frozen=True, slots=True)
class Colors:
    window: str
    sidebar: str
    surface: str  # inputs, bubbles
    border: str
    text: str
    muted: str
    accent: str
    accent_text: str
    selection: str
    danger: str


LIGHT = Colors(window="#ffffff", sidebar="#f7f8fc", surface="#f3f4f8", border="#e3e5ec",
               text="#1f2329", muted="#6b7280", accent=ACCENT, accent_text="#ffffff",
               selection="#dbe3ff", danger="#d14343")
DARK = Colors(window="#1e1f24", sidebar="#17181c", surface="#2a2b31", border="#34363d",
              text="#e6e7eb", muted="#9aa0aa", accent="#6b84ff", accent_text="#ffffff",
              selection="#33407a", danger="#ff6b6b")


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def colors_for(mode: str) -> Colors:
    """`mode` is "system", "light" or "dark"."""
    if mode == "dark" or (mode == "system" and system_is_dark()):
        return DARK
    return LIGHT


def apply_theme(app: QApplication, mode: str = "system") -> Colors:
    """Style the whole app; call again when the setting or the system scheme changes."""
    colors = colors_for(mode)
    app.setStyle("Fusion")
    app.setPalette(_palette(colors))
    app.setStyleSheet(stylesheet(colors))
    app.setProperty("themeDark", colors is DARK)
    return colors


def _palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, role.Window, QColor(c.window))
        p.setColor(group, role.WindowText, QColor(c.text))
        p.setColor(group, role.Base, QColor(c.window))
        p.setColor(group, role.AlternateBase, QColor(c.surface))
        p.setColor(group, role.Text, QColor(c.text))
        p.setColor(group, role.Button, QColor(c.surface))
        p.setColor(group, role.ButtonText, QColor(c.text))
        p.setColor(group, role.Highlight, QColor(c.accent))
        p.setColor(group, role.HighlightedText, QColor(c.accent_text))
        p.setColor(group, role.ToolTipBase, QColor(c.surface))
        p.setColor(group, role.ToolTipText, QColor(c.text))
        p.setColor(group, role.PlaceholderText, QColor(c.muted))
        p.setColor(group, role.Link, QColor(c.accent))
        p.setColor(group, role.Mid, QColor(c.border))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor(c.muted))
    p.setColor(disabled, role.Base, QColor(c.window))
    p.setColor(disabled, role.Button, QColor(c.surface))
    return p


def stylesheet(c: Colors) -> str:
    return f"""
QMainWindow, #center {{ background: {c.window}; }}
#sidebar {{ background: {c.sidebar}; border: none; border-right: 1px solid {c.border}; }}
#sidebar QLineEdit {{ background: {c.window}; border: 1px solid {c.border}; border-radius: 8px;
    padding: 6px 8px; }}
#conversations {{ background: transparent; border: none; outline: none; }}
#conversations::item {{ padding: 8px 10px; border-radius: 8px; margin: 1px 0; }}
#conversations::item:selected {{ background: {c.selection}; color: {c.text}; }}
#conversations::item:hover:!selected {{ background: {c.surface}; }}
#newChat {{ background: {c.accent}; color: {c.accent_text}; border: none; border-radius: 10px;
    padding: 8px 12px; font-weight: 600; }}
#newChat:hover {{ background: {QColor(c.accent).lighter(110).name()}; }}
#modelBar {{ background: {c.window}; border-bottom: 1px solid {c.border}; }}
#planLine {{ color: {c.muted}; }}
#planLine[error="true"] {{ color: {c.danger}; }}
QComboBox#modelPicker {{ padding: 4px 10px; border: 1px solid {c.border}; border-radius: 8px;
    background: {c.window}; font-weight: 600; }}
#modelBar QToolButton {{ border: 1px solid {c.border}; border-radius: 8px; padding: 4px 10px;
    background: {c.window}; }}
#modelBar QToolButton:hover {{ border-color: {c.accent}; }}
#composer {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 16px; }}
#composer QPlainTextEdit {{ background: transparent; border: none; font-size: 14px; }}
QToolButton#deepThinking {{ border: 1px solid {c.border}; border-style: solid; border-radius: 14px;
    padding: 5px 14px; background: {c.window}; color: {c.text}; }}
QToolButton#deepThinking:hover {{ border-color: {c.accent}; }}
QToolButton#deepThinking:checked {{ background: {c.selection}; border-color: {c.accent};
    color: {c.accent}; font-weight: 600; }}
#send {{ background: {c.accent}; color: {c.accent_text}; border: none; border-radius: 16px;
    padding: 6px 16px; font-weight: 600; }}
#send:disabled {{ background: {c.border}; color: {c.muted}; }}
#send[stop="true"] {{ background: {c.text}; color: {c.window}; }}
#emptyTitle {{ font-size: 24px; font-weight: 600; color: {c.text}; }}
#emptyHint {{ color: {c.muted}; font-size: 13px; }}
#getModel {{ background: {c.accent}; color: {c.accent_text}; border: none; border-radius: 10px;
    padding: 10px 20px; font-weight: 600; font-size: 14px; }}
QStatusBar {{ color: {c.muted}; }}
QStatusBar QLabel {{ padding: 0 8px; }}
#serverStatus QLabel {{ padding: 0 2px; }}
QLabel#serverAddress {{ color: {c.text}; }}
QLabel#serverAddress[error="true"] {{ color: {c.danger}; }}
QLabel#serverActivity {{ color: {c.accent}; }}
QToolButton#serverCopy {{ border: 1px solid {c.border}; border-radius: 6px; padding: 1px 8px; }}
QToolButton#serverCopy:hover {{ border-color: {c.accent}; }}
QProgressBar {{ border: none; background: {c.surface}; border-radius: 3px; }}
QProgressBar::chunk {{ background: {c.accent}; border-radius: 3px; }}
QLabel#estimate {{ color: {c.muted}; }}
QLabel#estimate[warning="true"] {{ color: {c.danger}; }}
QToolTip {{ border: 1px solid {c.border}; padding: 4px; }}
"""
