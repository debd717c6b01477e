"""Every string the user can see goes through Qt's translation: a guard over the source.

`lupdate` only extracts literal text passed to `tr`/`translate`/`QT_TRANSLATE_NOOP`, so this
finds the two ways a string escapes it: a literal handed straight to a widget (or to a
user-facing error), and a computed string (f-string, variable) handed to `tr`.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import backend
from backend.errors import AppError

ROOT = Path(__file__).resolve().parents[2]
# The command line stays English: scripts and CI read it.
UNTRANSLATED_MODULES = {"__main__.py", "self_test.py", "logging_setup.py"}
UNTRANSLATED_ROOMS = {"app/cli"}
# Names, not words: shown as they are in every language.
PROPER_NAMES = {"English", "简体中文", "DeepSeek Local", "Hugging Face", "HF_TOKEN", "DeepSeek"}

# Widget calls whose argument at this position is shown to the user.
TEXT_SETTERS = {
    "setText": 0, "setToolTip": 0, "setWindowTitle": 0, "setPlaceholderText": 0,
    "setStatusTip": 0, "setWhatsThis": 0, "showMessage": 0, "setTitle": 0, "setLabelText": 0,
    "setSpecialValueText": 0, "setInformativeText": 0, "setDetailedText": 0, "addItem": 0,
    "addRow": 0, "addTab": 1, "addAction": 0, "addMenu": 0, "setTabText": 1, "setHeaderLabels": 0,
    "QLabel": 0, "QPushButton": 0, "QCheckBox": 0, "QRadioButton": 0, "QGroupBox": 0,
    "QAction": 0, "QToolButton": 0, "warning": 2, "critical": 2, "information": 2, "question": 2,
}
TRANSLATORS = {"tr", "translate", "QT_TRANSLATE_NOOP", "QT_TR_NOOP"}


def _python_files(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py")
                  if p.name not in UNTRANSLATED_MODULES
                  and p.parent.relative_to(ROOT).as_posix() not in UNTRANSLATED_ROOMS)


def _is_words(node: ast.AST) -> bool:
    """A literal (or f-string, or %/format of one) that holds words a user would read."""
    if isinstance(node, ast.JoinedStr):
        return any(_is_words(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _is_words(node.left) or _is_words(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "format":
        return _is_words(node.func.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return text not in PROPER_NAMES and sum(c.isalpha() for c in text) >= 2
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _app_error_names() -> set[str]:
    for info in pkgutil.walk_packages(backend.__path__, "backend."):
        if info.name != "backend.engine.native":  # llama.cpp's bindings: no AppError there
            importlib.import_module(info.name)
    names, todo = set(), [AppError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _findings(paths: list[Path], error_names: set[str]) -> list[str]:
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name, where = _name(node.func), f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in TRANSLATORS:
                text_arg = 0 if name in {"tr", "QT_TR_NOOP"} else 1
                if len(node.args) > text_arg and not (
                        isinstance(node.args[text_arg], ast.Constant)
                        and isinstance(node.args[text_arg].value, str)):
                    found.append(f"{where}: {name}() needs literal text that lupdate can read")
                continue
            position = TEXT_SETTERS.get(name)
            if position is not None and len(node.args) > position \
                    and _is_words(node.args[position]):
                found.append(f"{where}: {name}() is given untranslated text")
            if name in error_names and node.args and _is_words(node.args[0]):
                found.append(f"{where}: {name}() message is not translated")
    return found


@pytest.mark.parametrize("packages", [("ui",), ("app",), ("backend",)])
def test_user_visible_strings_are_translatable(packages: tuple[str, ...]) -> None:
    found = _findings(_python_files(*packages), _app_error_names())
    assert not found, "\n".join(found)
