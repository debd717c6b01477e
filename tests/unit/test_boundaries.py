"""Layering rules: the backend never imports Qt, and third-party engines stay behind one module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKEND = sorted(p.stem for p in (ROOT / "backend").glob("*.py") if p.stem != "__init__")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_importing_the_whole_backend_loads_no_qt_and_no_llama_cpp() -> None:
    code = (
        "import sys\n"
        + "".join(f"import backend.{m}\n" for m in BACKEND if m != "llama_native")
        + "bad = [m for m in ('PySide6', 'llama_cpp', 'huggingface_hub') if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == ""


def test_one_module_each_for_llama_cpp_and_the_hub() -> None:
    users: dict[str, list[str]] = {"llama_cpp": [], "huggingface_hub": [], "PySide6": []}
    for module in BACKEND:
        for name in imported_modules(ROOT / "backend" / f"{module}.py"):
            if name in users:
                users[name].append(module)
    assert users == {"llama_cpp": ["llama_native"], "huggingface_hub": ["hub"], "PySide6": []}


def test_headless_commands_do_not_import_qt() -> None:
    code = ("import sys; from app.cli import build_parser; build_parser(); "
            "print('PySide6' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"
