"""Headless commands for power users and automated checks: inspect, plan, chat (and models).

Bad input gets one clear line on stderr and exit code 2, never a traceback. `--json` output is
one JSON object (inspect, plan) or JSON lines (chat), stable for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from backend.errors import AppError, InvalidOptionError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="deepseek-local", description="DeepSeek Local, headless.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what the app and llama.cpp do, on stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    inspect = sub.add_parser("inspect", help="show a model file's metadata and whether it loads")
    inspect.add_argument("model")
    inspect.add_argument("--json", action="store_true")

    plan = sub.add_parser("plan", help="show where a model's tensors would go on this machine")
    plan.add_argument("model")
    plan.add_argument("--vram-gib", type=float, help="plan for one GPU with this much memory")
    plan.add_argument("--ram-gib", type=float, help="plan for this much available RAM")
    plan.add_argument("--ctx", type=int, default=8192, help="context length (default 8192)")
    plan.add_argument("--kv-type", default="f16", choices=["f16", "bf16", "q8_0", "q4_0", "f32"])
    plan.add_argument("--cpu-moe-layers", type=_moe_layers, metavar="N|all",
                      help="keep the routed experts of N MoE layers (or all) in RAM")
    plan.add_argument("--json", action="store_true")

    chat = sub.add_parser(
        "chat", help="answer one prompt, streaming (a local model, or a server with --server)",
        usage="%(prog)s MODEL PROMPT [options]\n"
              "       %(prog)s --server URL --model NAME [--api-key-env VAR] PROMPT [options]")
    chat.add_argument("model", nargs="?", metavar="MODEL", help="a GGUF file (not with --server)")
    chat.add_argument("prompt", nargs="?", metavar="PROMPT")
    remote = chat.add_argument_group("an OpenAI-compatible server instead of a local model")
    remote.add_argument("--server", metavar="URL",
                        help="e.g. https://api.deepseek.com or http://gpu-box:8000/v1")
    remote.add_argument("--api-key-env", metavar="VAR",
                        help="the environment variable that holds the server's API key")
    remote.add_argument("--model", dest="server_model", metavar="NAME",
                        help="the model's name on the server")
    remote.add_argument("--thinking-model", metavar="NAME",
                        help="with --think, ask this model instead (e.g. deepseek-reasoner); "
                             "otherwise --think sets the chat template's `thinking` switch")
    think = chat.add_mutually_exclusive_group()
    think.add_argument("--think", dest="think", action="store_true", default=None)
    think.add_argument("--no-think", dest="think", action="store_false")
    chat.add_argument("--max-tokens", type=int)
    chat.add_argument("--seed", type=int)
    chat.add_argument("--ctx", type=int, default=8192)
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--top-p", type=float)
    chat.add_argument("--cpu-moe-layers", type=_moe_layers, metavar="N|all")
    chat.add_argument("--json", action="store_true")

    try:
        from app.cli_models import add_models_parser
    except ImportError:  # the model manager is optional for the engine commands
        pass
    else:
        add_models_parser(sub)
    return parser


def _moe_layers(value: str) -> int:
    if value == "all":
        return -1
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of layers or 'all', got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("the number of layers cannot be negative")
    return number


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    try:
        if args.command == "inspect":
            from app.cli_engine import run_inspect

            return run_inspect(args)
        if args.command == "plan":
            from app.cli_engine import run_plan

            return run_plan(args)
        if args.command == "chat":
            from app.cli_engine import run_chat

            return run_chat(args)
        from app.cli_models import run_models

        return run_models(args)
    except AppError as exc:
        print(f"deepseek-local: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `... | head`: the reader left; exit quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def check_positive(name: str, value: float | None) -> None:
    if value is not None and value <= 0:
        raise InvalidOptionError(f"{name} must be positive, got {value}.")
