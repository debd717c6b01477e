"""Entry point: `python -m app` and the `deepseek-local` launcher.

Headless commands (inspect, plan, chat, models) never import Qt, so they run on servers and in
scripts; anything else starts the desktop app.
"""

from __future__ import annotations

import os
import sys

HEADLESS_COMMANDS = {"inspect", "plan", "chat", "models"}


def main(argv: list[str] | None = None) -> int:
    args = [_path_of(a) for a in (sys.argv[1:] if argv is None else argv)]
    # A bare word that is not a file to open is a (mistyped) command: let the CLI say so.
    if args and (args[0] in HEADLESS_COMMANDS
                 or (not args[0].startswith("-") and not os.path.exists(args[0]))):
        from app.cli import main as cli_main

        return cli_main(args)
    if args and args[0] in ("--version", "-V"):
        from app import __version__

        print(f"DeepSeek Local {__version__}")
        return 0
    from app.gui import main as gui_main

    return gui_main(args)


def _path_of(arg: str) -> str:
    """Desktop launchers pass files as file:// URLs (Exec=... %U)."""
    if arg.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(arg).path)
    return arg


if __name__ == "__main__":
    sys.exit(main())
