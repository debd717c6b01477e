"""Translatable text for the backend, which never imports Qt.

Backend messages (errors, fit verdicts, plan summaries) are written as
`translate("Context", "Text with {fields}").format(fields=...)`, which Qt's `lupdate` extracts
like any `QCoreApplication.translate` call. Until the desktop app installs Qt's translator at
start-up the text comes back unchanged, so the command line and the tests see English.
Text is translated where it is made, never at import time: a module-level table would be
frozen in English, so tables are functions that return `translate(...)` literals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

ENGLISH = "en"
# Interface languages with a translation in resources/translations (English is the source).
TRANSLATED = ("zh_CN",)


type Translator = Callable[[str, str, str | None, int], str]

_translator: Translator | None = None
_language = ENGLISH


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """`text` in the interface language (English while no translator is installed)."""
    if _translator is None:
        return text
    return _translator(context, text, disambiguation, n)


def install(translator: Translator | None, language: str = "en") -> None:
    """Route `translate` through `translator` (Qt's) for `language`, or back to English."""
    global _translator, _language
    _translator = translator
    _language = language if translator is not None else ENGLISH


def language() -> str:
    """The interface language: picks localized text from data files (the model catalog)."""
    return _language


def interface_language(choice: str, preferred: Sequence[str]) -> str:
    """The language to show: `choice` ("system", "en", "zh_CN"), where "system" takes the first
    of the user's preferred languages (BCP 47, most preferred first) that the app speaks.

    Every Chinese variant gets Simplified Chinese: closer to a Traditional reader than English.
    """
    if choice != "system":
        return choice if choice in TRANSLATED else ENGLISH
    for tag in preferred:
        base = tag.replace("_", "-").split("-")[0].lower()
        if base == "en":
            return ENGLISH
        if base == "zh":
            return "zh_CN"
    return ENGLISH
