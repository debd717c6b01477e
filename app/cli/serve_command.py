"""`serve MODEL`: load a model and answer OpenAI-compatible requests on 127.0.0.1 until Ctrl+C.

The port is bound first (a taken port is exit 2 before anything loads), the model then loads on
the engine's own thread with the same planner as the app (requests meanwhile get 503), and the
URL and model name are printed once it is ready. Ctrl+C (exit 130) or SIGTERM (exit 0) cancels
the running request within one token and exits within 2 s. One line per answer goes to stderr,
never the prompt or the answer.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import FrameType

from app.cli.commands import EXIT_FAILED, check_positive, common_options
from app.cli.engine_commands import moe_layers
from backend.chat.family import default_sampling
from backend.engine.local_engine import LoadedModel, LoadSettings
from backend.engine.preflight import inspect_loadable
from backend.errors import InvalidOptionError
from backend.serve.api_server import (
    ALL_INTERFACES,
    DEFAULT_PORT,
    LOCAL_HOST,
    ApiServer,
    ServeOptions,
    lan_address,
)
from backend.serve.engine_queue import DEFAULT_MAX_WAITING, EngineQueue
from backend.serve.engine_thread import EngineThread
from backend.serve.served_model import ModelBoard, ServedModel

_POLL_S = 0.1  # while loading
_WATCH_S = 0.5  # while serving: Ctrl+C interrupts the wait at once; this only spots a dead engine


def add_serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser(
        "serve", parents=[common_options()],
        help="serve a model to other programs over an OpenAI-compatible API, until Ctrl+C")
    serve.add_argument("model", metavar="MODEL", help="a GGUF file (any part of a split set)")
    serve.add_argument("--host", default=LOCAL_HOST,
                       help=f"the address to listen on (default {LOCAL_HOST}: this computer "
                            f"only; {ALL_INTERFACES}: every device on the network, needs a key)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"default {DEFAULT_PORT}; 0 picks a free one")
    serve.add_argument("--api-key-env", metavar="VAR",
                       help="the environment variable holding the key clients must send "
                            "(Authorization: Bearer KEY); without it no key is asked")
    serve.add_argument("--ctx", type=int, default=8192, help="context length (default 8192)")
    serve.add_argument("--cpu-moe-layers", type=moe_layers, metavar="N|all",
                       help="keep the routed experts of N MoE layers (or all) in RAM")
    serve.add_argument("--model-name", metavar="NAME",
                       help="the name clients ask for (default: the model's, e.g. "
                            "DeepSeek-R1-0528)")
    serve.add_argument("--queue", type=int, default=DEFAULT_MAX_WAITING, metavar="N",
                       help="requests that may wait behind the one being answered "
                            f"(default {DEFAULT_MAX_WAITING}); more get HTTP 429")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="let web pages from ORIGIN (e.g. http://localhost:3000) call the "
                            "API; repeat for more (default: none)")
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    check_positive("--ctx", args.ctx)
    name = args.model_name.strip() if args.model_name is not None else None
    if name == "":
        raise InvalidOptionError("--model-name cannot be empty.")
    options = ServeOptions(host=args.host, port=args.port, api_key=_api_key(args.api_key_env),
                           cors_origins=tuple(args.cors_origin), max_waiting=args.queue)
    info = inspect_loadable(args.model)  # a missing or damaged file is explained here
    board = ModelBoard()
    board.loading(info.label)
    engine = EngineThread()
    server = ApiServer(options, EngineQueue(engine.dispatch, max_waiting=options.max_waiting),
                       board)
    _log_answers(args.verbose)
    terminated = threading.Event()
    previous = signal.signal(signal.SIGTERM, _setter(terminated))
    try:
        server.start()  # a taken port is explained here, before the model loads
        loaded = _wait(engine.load(args.model, LoadSettings(
            n_ctx=args.ctx, cpu_moe_layers=args.cpu_moe_layers), progress=_progress()),
            terminated)
        if loaded is None:
            return 0
        served = ServedModel(name or loaded.info.label, loaded.info.label, loaded.info.thinking,
                             default_sampling(loaded.info.family.family), loaded.n_ctx,
                             loaded.info.family.effort_levels)
        board.ready(served)
        print(f"\r{loaded.info.label}: {loaded.plan.summary()}, context {loaded.n_ctx:,}",
              file=sys.stderr)
        print(f"Serving {served.name} at {server.url()}", flush=True)
        _print_access(options, server)
        while not terminated.wait(_WATCH_S):
            if not engine.alive:  # a bug ended it; its traceback is on stderr
                return EXIT_FAILED
        return 0
    finally:
        started = time.monotonic()
        server.stop(timeout=1.0)
        engine.stop(timeout=max(0.2, 1.5 - (time.monotonic() - started)))
        signal.signal(signal.SIGTERM, previous)


def _api_key(variable: str | None) -> str | None:
    if variable is None:
        return None
    key = os.environ.get(variable, "").strip()
    if not key:
        raise InvalidOptionError(f"The environment variable {variable} is not set; it should "
                                 "hold the API key clients must send.")
    return key


def _wait(future: Future[LoadedModel], terminated: threading.Event) -> LoadedModel | None:
    """The loaded model; None if SIGTERM came first. Ctrl+C interrupts it at once."""
    while not terminated.is_set():
        try:
            return future.result(timeout=_POLL_S)
        except FutureTimeout:
            continue
    return None


def _progress() -> Callable[[float], None]:
    tty = sys.stderr.isatty()

    def show(value: float) -> None:
        if tty:
            print(f"\rLoading… {value:4.0%}", end="", file=sys.stderr, flush=True)

    return show


def _print_access(options: ServeOptions, server: ApiServer) -> None:
    if options.host == ALL_INTERFACES:
        address = lan_address()
        if address is not None:
            print(f"Other devices on the network: {server.url(address)}", file=sys.stderr)
    print("Clients need " + ("the API key (Authorization: Bearer KEY)." if options.api_key
                             else "no API key.") + " Ctrl+C stops the server.", file=sys.stderr)


def _log_answers(verbose: bool) -> None:
    """One line per answer on stderr (figures only); everything with --verbose."""
    if verbose:
        return  # --verbose already logs everything at DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("backend.serve.engine_queue")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _setter(event: threading.Event) -> Callable[[int, FrameType | None], None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        event.set()

    return handler
