"""Light and dark themes: Fusion with our palette and stylesheet, following the system by default.

Widgets take their colours from the application palette, so everything (including the chat's
HTML, which reads the palette) switches together when the system flips between light and dark.
Every stylesheet (the app's, the chat's, the model manager's) takes its colours from one place:
`tones(palette)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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


# Verdict and state colours, readable on each background.
_STATUS_LIGHT = {"good": "#1a7f37", "ok": "#9a6700", "bad": "#c9372c", "error": "#c9372c"}
_STATUS_DARK = {"good": "#3fb950", "ok": "#d29922", "bad": "#ff6b6b", "error": "#ff6b6b"}


@dataclass(frozen=True, slots=True)
class Tones:
    """The colours the stylesheets use, as `#rrggbb`, derived from one palette."""

    dark: bool
    base: str  # the background of text areas
    text: str
    muted: str
    accent: str
    accent_text: str
    surface: str  # inputs, cards
    border: str
    hover: str  # a hovered flat button
    pill: str  # a quiet filled control (the reasoning toggle)
    rule: str  # thin lines, disabled fills
    bubble: str  # the user's message
    danger: str
    good: str
    ok: str  # a usable but limited verdict
    accent_soft: str  # the accent, faint: an `rgba(...)` for active states


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """`a` moved `amount` (0..1) of the way towards `b`."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * amount,
                           a.greenF() + (b.greenF() - a.greenF()) * amount,
                           a.blueF() + (b.blueF() - a.blueF()) * amount)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tones(palette: QPalette) -> Tones:
    """The stylesheet colours that go with `palette`."""
    role = QPalette.ColorRole
    return _tones(*(palette.color(r).name() for r in (
        role.Window, role.Base, role.Text, role.PlaceholderText, role.Highlight,
        role.HighlightedText, role.AlternateBase)))


def status_color(palette: QPalette, status: str) -> QColor | None:
    """The colour of a verdict or state ("good", "ok", "bad", "error"); None for plain."""
    name = (_STATUS_DARK if is_dark(palette) else _STATUS_LIGHT).get(status)
    return QColor(name) if name else None


@lru_cache(maxsize=8)
def _tones(window: str, base: str, text: str, muted: str, accent: str, accent_text: str,
           surface: str) -> Tones:
    dark = QColor(window).lightness() < 128
    b, t, a = QColor(base), QColor(text), QColor(accent)
    status = _STATUS_DARK if dark else _STATUS_LIGHT
    soft = QColor(a)
    soft.setAlpha(36)
    return Tones(
        dark=dark, base=base, text=text, muted=muted, accent=accent, accent_text=accent_text,
        surface=surface, border=mix(b, t, 0.14).name(), hover=mix(b, t, 0.08).name(),
        pill=mix(b, t, 0.05).name(), rule=mix(b, t, 0.16).name(),
        bubble=mix(b, a, 0.2 if dark else 0.09).name(), danger=status["error"],
        good=status["good"], ok=status["ok"],
        accent_soft=f"rgba({soft.red()}, {soft.green()}, {soft.blue()}, {soft.alpha()})",
    )


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
    palette = _palette(colors)
    app.setPalette(palette)
    app.setStyleSheet(stylesheet(colors, tones(palette)))
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


def stylesheet(c: Colors, t: Tones) -> str:
    """The app's stylesheet: the window's own colours `c`, shared controls from `t`."""
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
QComboBox#modelPicker QAbstractItemView {{ background: {c.window}; color: {c.text};
    border: 1px solid {c.border}; outline: none; padding: 4px; }}
QComboBox#modelPicker QAbstractItemView::item {{ padding: 6px 10px; border-radius: 6px;
    color: {c.text}; }}
QComboBox#modelPicker QAbstractItemView::item:selected {{ background: {c.selection};
    color: {c.text}; }}
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
QComboBox#reasoningEffort {{ border: 1px solid {c.border}; border-radius: 14px;
    padding: 4px 12px; background: {c.window}; color: {c.text}; }}
QComboBox#reasoningEffort:hover {{ border-color: {c.accent}; }}
QComboBox#reasoningEffort:disabled {{ color: {c.muted}; }}
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
QToolButton#attach {{ border: 1px solid {c.border}; border-radius: 14px; padding: 5px 14px;
    background: {c.window}; color: {c.text}; }}
QToolButton#attach:hover {{ border-color: {c.accent}; }}
#attachmentChip {{ background: {c.window}; border: 1px solid {c.border}; border-radius: 10px; }}
#attachmentKind {{ background: {t.pill}; color: {c.accent}; border-radius: 6px; padding: 4px 5px;
    font-size: 10px; font-weight: 700; }}
#attachmentName {{ font-weight: 600; }}
#attachmentDetail, #messageSize {{ color: {c.muted}; font-size: 12px; }}
#messageSize[over="true"], #attachmentError {{ color: {c.danger}; }}
QToolButton#attachmentRemove {{ border: none; background: transparent; color: {c.muted};
    font-size: 14px; padding: 0 4px; }}
QToolButton#attachmentRemove:hover {{ color: {c.text}; }}
#conversationHeader {{ background: {c.window}; }}
#conversationHeader QToolButton {{ border: none; border-radius: 8px; padding: 3px 8px;
    color: {c.muted}; background: transparent; }}
#conversationHeader QToolButton:hover {{ background: {c.surface}; color: {c.text}; }}
#conversationTitle {{ font-weight: 600; }}
#primaryButton {{ background: {t.accent}; color: {t.accent_text}; border: none;
    border-radius: 8px; padding: 6px 14px; font-weight: 600; }}
#primaryButton:disabled {{ background: {t.rule}; color: {t.muted}; }}
#secondaryButton {{ background: transparent; color: {t.text}; border: 1px solid {t.border};
    border-radius: 8px; padding: 6px 14px; }}
#secondaryButton:hover {{ background: {t.hover}; }}
"""
