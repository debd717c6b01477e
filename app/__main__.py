"""Entry point: `python -m app` and the `deepseek-local` launcher.

Headless commands (inspect, plan, chat, models, serve) never import Qt, so they run on servers
and in scripts; anything else starts the desktop app.
"""

from __future__ import annotations

import os
import sys

HEADLESS_COMMANDS = {"inspect", "plan", "chat", "models", "serve"}
_GUI_OPTIONS_WITH_VALUES = {"--data-dir", "--model"}


def main(argv: list[str] | None = None) -> int:
    args = [_path_of(a) for a in (sys.argv[1:] if argv is None else argv)]
    word = _first_word(args)
    # A bare word that is not a file to open is a (mistyped) command: let the CLI say so.
    if word is not None and (word in HEADLESS_COMMANDS or not os.path.exists(word)):
        from app.cli.commands import main as cli_main

        return cli_main(args)
    if args and args[0] in ("--version", "-V"):
        from app import __version__

        print(f"DeepSeek Local {__version__}")
        return 0
    from app.gui.launch import main as gui_main

    return gui_main(args)


def _first_word(args: list[str]) -> str | None:
    """The first argument that is neither an option nor the value of a desktop option."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GUI_OPTIONS_WITH_VALUES:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _path_of(arg: str) -> str:
    """Desktop launchers pass files as file:// URLs (Exec=... %U)."""
    if arg.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(arg).path)
    return arg


if __name__ == "__main__":
    sys.exit(main())
