"""The house rules, checked over the whole tree: the backend never imports Qt, third-party
engines stay behind one module each, imports run one way between the rooms, and every module has
a name of its own in a folder a newcomer can read."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKEND = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for p in (ROOT / "backend").rglob("*.py") if p.name != "__init__.py"
)
# Which rooms each room may import (its own included). Base modules sit in backend/ itself;
# settings is the top and may import anything.
ALLOWED = {
    "base": {"base"},
    "chat": {"base", "chat"},
    "gguf": {"base", "chat", "gguf"},
    "engine": {"base", "chat", "gguf", "engine"},
    "remote": {"base", "chat", "remote"},
    "store": {"base", "chat", "store"},
    "hub": {"base", "chat", "gguf", "engine", "hub"},
    "serve": {"base", "chat", "gguf", "engine", "serve"},
}
MAX_MODULES_PER_FOLDER = 16


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, as dotted names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def room(module: str) -> str:
    """`backend.hub.catalog` -> "hub"; `backend.errors` -> "base"; `backend.settings` -> "top"."""
    parts = module.split(".")
    if parts == ["backend", "settings"]:
        return "top"
    return parts[1] if len(parts) > 2 else "base"


def backend_file(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def test_importing_the_whole_backend_loads_no_qt_and_no_llama_cpp() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in BACKEND if m != "backend.engine.native")
        + "bad = [m for m in ('PySide6', 'llama_cpp', 'huggingface_hub') if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == ""


def test_one_module_each_for_llama_cpp_and_the_hub() -> None:
    users: dict[str, list[str]] = {"llama_cpp": [], "huggingface_hub": [], "PySide6": []}
    for module in BACKEND:
        for name in imported_modules(backend_file(module)):
            if name.split(".")[0] in users:
                users[name.split(".")[0]].append(module)
    users = {k: sorted(set(v)) for k, v in users.items()}
    assert users == {"llama_cpp": ["backend.engine.native"],
                     "huggingface_hub": ["backend.hub.client"], "PySide6": []}


def test_imports_run_one_way_between_rooms() -> None:
    backend_modules = set(BACKEND) | {m.rsplit(".", 1)[0] for m in BACKEND}
    wrong = []
    for module in BACKEND:
        mine = room(module)
        if mine == "top":
            continue
        for name in imported_modules(backend_file(module)):
            if not name.startswith("backend.") or name not in backend_modules:
                continue
            theirs = room(name if name in BACKEND else name + ".__init__")
            if theirs not in ALLOWED[mine]:
                wrong.append(f"{module} ({mine}) imports {name} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_two_modules_share_a_name_and_folders_stay_small() -> None:
    files = [p for top in ("app", "ui", "backend") for p in (ROOT / top).rglob("*.py")
             if p.name not in ("__init__.py", "__main__.py")]
    shared = {name: n for name, n in Counter(p.name for p in files).items() if n > 1}
    assert not shared
    crowded = {str(folder.relative_to(ROOT)): n
               for folder, n in Counter(p.parent for p in files).items()
               if n > MAX_MODULES_PER_FOLDER}
    assert not crowded


def test_headless_commands_do_not_import_qt() -> None:
    code = ("import sys; from app.cli.commands import build_parser; build_parser(); "
            "print('PySide6' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_command_line_never_imports_the_gui() -> None:
    wrong = [f"{path.relative_to(ROOT)} imports {name}"
             for path in (ROOT / "app" / "cli").rglob("*.py")
             for name in imported_modules(path)
             if name.split(".")[0] == "ui" or name.startswith("app.gui")]
    assert not wrong
