"""`chat --server URL --model NAME PROMPT`: one answer from an OpenAI-compatible server, printed
like a local model's (the same human output, the same JSON lines with `--json`)."""

from __future__ import annotations

import argparse
import os

from app.cli.chat_input import chat_messages, read_attachments
from app.cli.commands import check_positive
from app.cli.event_printer import print_answer
from backend.chat.messages import ChatRequest, Sampling
from backend.errors import InvalidOptionError
from backend.remote.connections import Connection, ThinkingControl
from backend.remote.http_client import Endpoint
from backend.remote.remote_engine import RemoteEngine


def run_remote_chat(args: argparse.Namespace) -> int:
    engine = RemoteEngine(_connection(args))
    if args.prompt is not None:
        raise InvalidOptionError("With --server, give only the PROMPT; name the model with "
                                 "--model NAME.")
    if args.model is None:
        raise InvalidOptionError("chat needs a PROMPT.")
    if args.conversation is not None:
        raise InvalidOptionError("--conversation is for local models; the app keeps a "
                                 "server's conversations.")
    if args.cpu_moe_layers is not None:
        raise InvalidOptionError("--cpu-moe-layers is for local models; the server decides "
                                 "where its model runs.")
    check_positive("--max-tokens", args.max_tokens)
    if args.effort is not None and args.think is False:
        raise InvalidOptionError("--effort sets how hard the model thinks: use it with --think, "
                                 "not --no-think.")
    think = bool(args.think) or args.effort is not None
    # The server's context is not known here: it refuses a message too long for it.
    messages = chat_messages(args.model, args.system, read_attachments(args.attach))
    request = ChatRequest(messages=messages,
                          deep_thinking=think, sampling=_sampling(args),
                          max_tokens=args.max_tokens, seed=args.seed,
                          reasoning_effort=args.effort)
    return print_answer(engine, request, as_json=args.json)


def _connection(args: argparse.Namespace) -> Connection:
    endpoint = Endpoint.parse(args.server)  # a bad URL is explained here
    if not args.server_model:
        raise InvalidOptionError("--server needs --model NAME (the model's name on the server).")
    key = None
    if args.api_key_env:
        key = os.environ.get(args.api_key_env, "").strip()
        if not key:
            raise InvalidOptionError(f"The environment variable {args.api_key_env} is not set; "
                                     f"it should hold the API key for {args.server}.")
    if args.thinking_model:
        thinking = ThinkingControl.MODEL_PAIR
    elif args.think is not None or args.effort is not None:
        # DeepSeek's own API takes a `thinking` switch; other servers the template's.
        thinking = (ThinkingControl.API_SWITCH if endpoint.host == "api.deepseek.com"
                    else ThinkingControl.TEMPLATE)
    else:  # no switch sent: the server's default (reasoning still shows if it sends some)
        thinking = ThinkingControl.NEVER
    return Connection.new(endpoint.address, args.server, args.server_model, api_key=key,
                          thinking=thinking, thinking_model=args.thinking_model)


def _sampling(args: argparse.Namespace) -> Sampling | None:
    if args.temperature is None and args.top_p is None:
        return None  # the server's defaults (vLLM reads the model's generation_config)
    default = Sampling()
    sampling = Sampling(
        temperature=default.temperature if args.temperature is None else args.temperature,
        top_p=default.top_p if args.top_p is None else args.top_p)
    if sampling.temperature < 0 or not 0 < sampling.top_p <= 1:
        raise InvalidOptionError("--temperature must be >= 0 and --top-p in (0, 1].")
    return sampling
