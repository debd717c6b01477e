"""The command line: one parser per command, options anywhere, one table of exit codes.

| exit | meaning                                                               |
| ---- | --------------------------------------------------------------------- |
| 0    | done                                                                  |
| 1    | a failure at run time: network, disk, llama.cpp (one line on stderr)  |
| 2    | bad input: an option, a file, a name (one line on stderr)             |
| 130  | interrupted (Ctrl+C)                                                  |

Options may come before, between and after the positionals (`chat MODEL --think "Why?"`), at every
level (`models download --json REPO`). `--json` output is one JSON object (inspect, plan) or JSON
lines (chat, models), stable for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from backend.errors import AppError, InputError, InvalidOptionError
from backend.paths import AppPaths, app_paths

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
PROG = "deepseek-local"


class Parser(argparse.ArgumentParser):
    """Bad input is one line on stderr and exit code 2, never a usage dump or a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def common_options() -> Parser:
    """Options every command takes (as an argparse parent)."""
    parent = Parser(add_help=False)
    parent.add_argument("-v", "--verbose", action="store_true",
                        help="log what the app and llama.cpp do, on stderr")
    return parent


def data_dir_option() -> Parser:
    """`--data-dir`, for the commands that read or write the app's own files."""
    parent = Parser(add_help=False)
    parent.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="the app's folder of settings, conversations and models "
                             "(as the app's --data-dir; default: $DEEPSEEK_LOCAL_HOME or the "
                             "standard place)")
    return parent


def build_parser() -> Parser:
    from app.cli import engine_commands, models_command, serve_command

    parser = Parser(prog=PROG, description="DeepSeek Local, headless.",
                    parents=[common_options()])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    engine_commands.add_parsers(sub)
    models_command.add_models_parser(sub)
    serve_command.add_serve_parser(sub)
    return parser


def parse_command_line(parser: argparse.ArgumentParser, argv: Sequence[str],
                       namespace: argparse.Namespace | None = None) -> argparse.Namespace:
    """`parser.parse_args(argv)`, except that options may come before, between and after the
    positionals at every level of subcommands (argparse's own intermixed parsing refuses
    subcommands, so each level is parsed on its own)."""
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if sub is None:
        return parser.parse_intermixed_args(argv, namespace)
    argv = list(argv)
    at = next((i for i, arg in enumerate(argv) if not arg.startswith("-")), None)
    if at is None or argv[at] not in sub.choices:
        if at is None and not any(a in ("-h", "--help") for a in argv):
            parser.error(f"choose a command: {', '.join(sub.choices)}")
        parser.parse_args(argv, namespace)  # help, or argparse's own "invalid choice"
        parser.error("unreachable")  # parse_args exits above
    namespace = parser.parse_args(argv[:at], namespace)
    setattr(namespace, sub.dest, argv[at])
    return parse_command_line(sub.choices[argv[at]], argv[at + 1:], namespace)


def main(argv: Sequence[str]) -> int:
    args = parse_command_line(build_parser(), argv)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    try:
        return int(args.run(args))
    except InputError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except AppError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `... | head`: the reader left; exit quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def profile_paths(args: argparse.Namespace) -> AppPaths:
    """The folders of the profile a command works on (`--data-dir`, else the default)."""
    return app_paths(getattr(args, "data_dir", None)).ensure()


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def check_positive(name: str, value: float | None) -> None:
    if value is not None and value <= 0:
        raise InvalidOptionError(f"{name} must be positive, got {value}.")
