"""The shipped translations are complete, current with the code, and what the app loads."""

from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.i18n import interface_language

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("translations", ROOT / "packaging" / "translations.py")
assert _spec is not None and _spec.loader is not None
translations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translations)

LANGUAGES = translations.LANGUAGES
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%L?\d")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
MNEMONIC = re.compile(r"&(?=[^&\s])")


@dataclass(frozen=True)
class Entry:
    context: str
    source: str
    comment: str
    kind: str  # "" when translated, else unfinished / obsolete / vanished
    translations: tuple[str, ...]  # one, or each numerus form


def read_ts(path: Path) -> list[Entry]:
    entries = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            node = message.find("translation")
            assert node is not None
            forms = [f.text or "" for f in node.iter("numerusform")] or [node.text or ""]
            entries.append(Entry(name, message.findtext("source") or "",
                                 message.findtext("comment") or "", node.get("type", ""),
                                 tuple(forms)))
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_obsolete(language: str) -> None:
    entries = read_ts(translations.ts_path(language))
    assert len(entries) > 300  # the whole interface, not a sample
    problems = [f"{e.kind or 'empty'}: [{e.context}] {e.source!r}" for e in entries
                if e.kind or not all(t.strip() for t in e.translations)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_sources_match_the_code(language: str, tmp_path: Path) -> None:
    """lupdate over today's code changes nothing: no string is missing, none is left over."""
    committed = translations.ts_path(language)
    fresh = tmp_path / committed.name
    shutil.copy(committed, fresh)
    translations.lupdate(language, fresh)
    before, after = set(read_ts(committed)), set(read_ts(fresh))
    assert after == before, (
        "run `make translations` and translate the new entries:\n"
        + "\n".join(f"new or changed: [{e.context}] {e.source!r}" for e in after - before)
        + "\n" + "\n".join(f"gone: [{e.context}] {e.source!r}" for e in before - after))


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_markup_and_mnemonics(language: str) -> None:
    problems = []
    for e in read_ts(translations.ts_path(language)):
        for text in e.translations:
            for what, pattern in (("placeholders", PLACEHOLDER), ("markup", TAG)):
                if sorted(pattern.findall(e.source)) != sorted(pattern.findall(text)):
                    problems.append(f"{what} differ: [{e.context}] {e.source!r} -> {text!r}")
            if len(MNEMONIC.findall(e.source)) != len(MNEMONIC.findall(text)):
                problems.append(f"mnemonic lost: [{e.context}] {e.source!r} -> {text!r}")
            if e.source.endswith("\n") != text.endswith("\n"):
                problems.append(f"line ending differs: [{e.context}] {e.source!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_translations_are_current(language: str, tmp_path: Path) -> None:
    qm = tmp_path / "fresh.qm"
    translations.lrelease(translations.ts_path(language), qm)
    assert qm.read_bytes() == translations.qm_path(language).read_bytes(), \
        "the .qm is older than its .ts: run `make translations`"


@pytest.mark.gui
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_app_loads_every_translation(language: str, qapp: object) -> None:
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(translations.qm_path(language)))
    wrong = []
    for e in read_ts(translations.ts_path(language)):
        if len(e.translations) != 1:
            continue
        got = translator.translate(e.context, e.source, e.comment or None)
        if (got or e.source) != e.translations[0]:
            wrong.append(f"[{e.context}] {e.source!r}: {got!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("choice", "preferred", "expected"), [
    ("system", ["zh-Hans-CN", "zh-CN", "zh"], "zh_CN"),
    ("system", ["zh-Hant-TW", "en-US"], "zh_CN"),
    ("system", ["en-GB", "zh-CN"], "en"),
    ("system", ["fr-FR", "zh-CN"], "zh_CN"),
    ("system", ["de-DE"], "en"),
    ("system", ["C"], "en"),
    ("system", [], "en"),
    ("zh_CN", ["en-US"], "zh_CN"),
    ("en", ["zh-CN"], "en"),
    ("xx", ["zh-CN"], "en"),
])
def test_interface_language_follows_the_choice_then_the_system(
        choice: str, preferred: list[str], expected: str) -> None:
    assert interface_language(choice, preferred) == expected
