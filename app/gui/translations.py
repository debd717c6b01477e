"""The interface language and Chinese text: Qt's translators, and Simplified Chinese fonts.

Installed before the window is built, so every `tr()` and backend `translate()` call made while
building it already speaks the chosen language; switching languages takes effect on restart.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from backend import i18n

log = logging.getLogger(__name__)

CATALOG = "deepseek-local"
# Simplified Chinese faces, best first. Named ahead of the system's own fallback so Han
# characters never come out in a Japanese or Traditional face (the same code points are drawn
# differently in each: Han unification), as fontconfig may pick on a machine set up for another
# language.
CJK_SC_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei UI",
                   "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei",
                   "Noto Sans SC", "Droid Sans Fallback")


def translations_dir() -> Path:
    return Path(str(resources.files("resources") / "translations"))


class Translations:
    """The translators installed for one language; `remove()` gives back English."""

    def __init__(self, app: QCoreApplication, language: str) -> None:
        self.app = app
        self.language = language
        self._translators: list[QTranslator] = []
        if language != i18n.ENGLISH:
            self._load(f"{CATALOG}_{language}", translations_dir())
            # Qt's own words: standard buttons, file dialogs, context menus of text fields.
            self._load(f"qtbase_{language}",
                       Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)))
            QLocale.setDefault(QLocale(language))
        i18n.install(QCoreApplication.translate if self._translators else None, language)

    def _load(self, name: str, folder: Path) -> None:
        translator = QTranslator(self.app)
        if translator.load(name, str(folder)):
            self.app.installTranslator(translator)
            self._translators.append(translator)
        else:
            log.warning("no translation %s in %s", name, folder)

    def remove(self) -> None:
        for translator in self._translators:
            self.app.removeTranslator(translator)
        self._translators.clear()
        i18n.install(None)
        QLocale.setDefault(QLocale.system())


def install_translations(app: QCoreApplication, choice: str) -> Translations:
    """Translators for the language the user chose ("system", "en" or "zh_CN")."""
    language = i18n.interface_language(choice, QLocale.system().uiLanguages())
    log.info("interface language: %s", language)
    return Translations(app, language)


def prefer_simplified_chinese_fonts(app: QApplication) -> None:
    """Put the installed Simplified Chinese faces right after the UI font, for every widget."""
    installed = set(QFontDatabase.families())
    cjk = [family for family in CJK_SC_FAMILIES if family in installed]
    if not cjk:
        return
    font = QFont(app.font())
    families = [f for f in font.families() if f not in cjk] or [font.family()]
    font.setFamilies([*families, *cjk])
    app.setFont(font)
