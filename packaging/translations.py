"""Refresh and compile the interface translations: `make translations`.

lupdate reads every `tr()` / `translate()` / `QT_TRANSLATE_NOOP` call in app/, ui/ and backend/
into resources/translations/deepseek-local_<lang>.ts (new strings arrive unfinished, strings gone
from the code are dropped), then lrelease compiles the .qm files the app loads. Translate the
unfinished entries with Qt Linguist (`.venv/bin/pyside6-linguist FILE.ts`) or any editor, then
run this again. tests/i18n/test_translations.py fails while any entry is unfinished or stale.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "resources" / "translations"
CATALOG = "deepseek-local"
LANGUAGES = ("zh_CN",)
SOURCE_PACKAGES = ("app", "ui", "backend")
TOOLS = Path(sys.executable).parent


def sources() -> list[Path]:
    return sorted(p for pkg in SOURCE_PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def ts_path(language: str) -> Path:
    return FOLDER / f"{CATALOG}_{language}.ts"


def qm_path(language: str) -> Path:
    return FOLDER / f"{CATALOG}_{language}.qm"


def lupdate(language: str, ts: Path) -> None:
    """Bring `ts` in line with the sources (relative paths: the output does not depend on
    where the checkout lives)."""
    files = [str(p.relative_to(ROOT)) for p in sources()]
    subprocess.run([str(TOOLS / "pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none",
                    "-source-language", "en", "-target-language", language, *files,
                    "-ts", str(ts)], cwd=ROOT, check=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([str(TOOLS / "pyside6-lrelease"), "-silent", "-removeidentical", str(ts),
                    "-qm", str(qm)], cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile-only", action="store_true", help="only run lrelease")
    args = parser.parse_args()
    for language in LANGUAGES:
        if not args.compile_only:
            lupdate(language, ts_path(language))
        lrelease(ts_path(language), qm_path(language))
        print(f"{qm_path(language).relative_to(ROOT)}: compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
