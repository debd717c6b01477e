"""`make bench`: every benchmark, each printing its figures measured side by side in one run."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    folder = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_"))
    only = set(sys.argv[1:])  # e.g. `python -m tests.bench engine`
    for name in names:
        if only and name.removeprefix("bench_") not in only and name not in only:
            continue
        print(f"\n== {name} ==", flush=True)
        sys.argv = [name]  # each benchmark runs with its default settings
        importlib.import_module(f"tests.bench.{name}").main()


if __name__ == "__main__":
    main()
