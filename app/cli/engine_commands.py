"""The engine's CLI commands: `inspect`, `plan` and `chat`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from app.cli.chat_input import chat_messages, read_attachments, recount
from app.cli.commands import (
    EXIT_BAD_INPUT,
    check_positive,
    common_options,
    data_dir_option,
    print_json,
    profile_paths,
)
from app.cli.event_printer import print_answer
from backend.chat.family import EFFORT_LEVELS, ThinkingMode, default_sampling, facts
from backend.chat.messages import ChatRequest
from backend.chat.prompt import fallback_template
from backend.engine.offload import (
    GiB,
    GpuBudget,
    Machine,
    OffloadPlan,
    PlanOptions,
    kv_layer_bytes,
    plan_offload,
)
from backend.engine.preflight import check_loadable, inspect_loadable, read_loadable
from backend.errors import InvalidOptionError, ModelFileError
from backend.gguf.model_info import ModelInfo, describe
from backend.gguf.reader import LazyArray, read_model
from backend.settings import load_settings
from backend.units import format_bytes


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = common_options()
    inspect = sub.add_parser("inspect", parents=[common],
                             help="show a model file's metadata and whether it loads")
    inspect.add_argument("model")
    inspect.add_argument("--json", action="store_true")
    inspect.set_defaults(run=run_inspect)

    plan = sub.add_parser("plan", parents=[common],
                          help="show where a model's tensors would go on this machine")
    plan.add_argument("model")
    plan.add_argument("--vram-gib", type=float,
                      help="plan for one GPU with this much memory (0: no GPU)")
    plan.add_argument("--ram-gib", type=float, help="plan for this much available RAM")
    plan.add_argument("--ctx", type=int,
                      help="context length (default: the model family's, e.g. 8192; V4 32768)")
    plan.add_argument("--kv-type", default="f16", choices=["f16", "bf16", "q8_0", "q4_0", "f32"])
    plan.add_argument("--cpu-moe-layers", type=moe_layers, metavar="N|all",
                      help="keep the routed experts of N MoE layers (or all) in RAM")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(run=run_plan)

    chat = sub.add_parser(
        "chat", parents=[common, data_dir_option()],
        help="answer one prompt, streaming (a local model, or a server with --server)",
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
                        help="with --think, ask this model instead (servers that keep a thinking "
                             "model apart); otherwise --think sets the `thinking` switch: "
                             "DeepSeek's API parameter on api.deepseek.com, the chat template's "
                             "elsewhere")
    think = chat.add_mutually_exclusive_group()
    think.add_argument("--think", dest="think", action="store_true", default=None)
    think.add_argument("--no-think", dest="think", action="store_false")
    chat.add_argument("--effort", choices=EFFORT_LEVELS,
                      help="with --think: the reasoning effort (DeepSeek-V4: max; V4-Flash-0731: "
                           "high or max), for models whose chat template knows it")
    chat.add_argument("--max-tokens", type=int)
    chat.add_argument("--seed", type=int)
    chat.add_argument("--ctx", type=int,
                      help="context length (default: the model family's, e.g. 8192; V4 32768)")
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--top-p", type=float)
    chat.add_argument("--cpu-moe-layers", type=moe_layers, metavar="N|all")
    chat.add_argument("--conversation", metavar="new|ID",
                      help="save the exchange as a conversation of the app (new), or continue "
                           "one (its id); its KV cache is kept, so the next turn starts at once")
    chat.add_argument("--attach", action="append", default=[], metavar="FILE",
                      help="send a file's text with the prompt: text, Markdown or code in any "
                           "encoding, PDF, .docx (repeatable)")
    chat.add_argument("--system", metavar="TEXT",
                      help="a system prompt (R1 and its distills have no system role: it goes "
                           "at the start of the prompt); with --conversation, kept with it")
    chat.add_argument("--json", action="store_true")
    chat.set_defaults(run=run_chat)


def moe_layers(value: str) -> int:
    if value == "all":
        return -1
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of layers or 'all', got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("the number of layers cannot be negative")
    return number


def _metadata_value(value: object) -> object:
    if isinstance(value, LazyArray):
        return repr(value)
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + f"… ({len(value):,} characters)"
    return value


# -- inspect -----------------------------------------------------------------------------------


def run_inspect(args: argparse.Namespace) -> int:
    model = read_model(args.model)  # unreadable files raise here
    info = describe(model)
    problem: ModelFileError | None = None
    try:
        check_loadable(model)
    except ModelFileError as exc:
        problem = exc
    if args.json:
        print_json(_inspect_json(info, problem))
    else:
        _print_inspect(info, problem)
    if problem is not None:
        print(f"deepseek-local: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _inspect_json(info: ModelInfo, problem: ModelFileError | None) -> dict[str, object]:
    layout = info.layout
    return {
        "path": str(info.path),
        "parts": [p.name for p in info.parts],
        "file_bytes": info.file_bytes,
        "loadable": problem is None,
        "error": str(problem) if problem else None,
        "arch": info.arch,
        "label": info.label,
        "family": info.family.family.value,
        "thinking": info.thinking.value,
        "family_facts": _facts_json(info),
        "mla": info.mla,
        "quant": info.quant,
        "n_ctx_train": layout.n_ctx_train,
        "n_layer": layout.n_layer,
        "n_moe_layers": len(layout.moe_layers),
        "n_expert": layout.n_expert,
        "n_expert_used": layout.n_expert_used,
        "has_chat_template": info.chat_template is not None,
        "metadata": {k: _metadata_value(v) for k, v in info.metadata.items()},
    }


def _facts_json(info: ModelInfo) -> dict[str, object]:
    """The family's published facts, with what this file's own template adds (effort levels)."""
    known = facts(info.family.family)
    return {
        "thinking_modes": _thinking_modes(info.thinking),
        "effort_levels": list(info.family.effort_levels),
        "sampling": {"temperature": known.sampling.temperature, "top_p": known.sampling.top_p},
        "system_prompt": known.system_prompt,
        "context_length": info.layout.n_ctx_train or known.context_length,
        "default_context": default_context(info),
    }


def _thinking_modes(mode: ThinkingMode) -> list[str]:
    return {ThinkingMode.ALWAYS: ["thinking"], ThinkingMode.NEVER: ["direct"],
            ThinkingMode.HYBRID: ["thinking", "direct"]}[mode]


def default_context(info: ModelInfo) -> int:
    """The context a run gets without --ctx: the family's default, within what it was trained on."""
    wanted = facts(info.family.family).default_context
    return min(wanted, info.layout.n_ctx_train) if info.layout.n_ctx_train else wanted


def _print_inspect(info: ModelInfo, problem: ModelFileError | None) -> None:
    layout = info.layout
    parts = f"{len(info.parts)} parts, " if len(info.parts) > 1 else ""
    known = facts(info.family.family)
    print(f"{info.label}  ({info.arch}, {info.quant})")
    print(f"  file:      {info.path.name} ({parts}{format_bytes(info.file_bytes)})")
    print(f"  family:    {info.family.family.value}")
    print(f"  thinking:  {info.thinking.value}")
    if info.family.effort_levels:
        print(f"  effort:    {', '.join(info.family.effort_levels)} (chat --think --effort LEVEL)")
    print(f"  sampling:  temperature {known.sampling.temperature:g}, top_p "
          f"{known.sampling.top_p:g} (DeepSeek's recommendation)"
          + ("" if known.system_prompt else "; no system prompt"))
    if info.mla is not None:
        per_token = (layout.kv_k_elements + layout.kv_v_elements) * 2 * layout.n_layer
        kind = "yes (small KV cache" if info.mla else "no: legacy layout (large KV cache"
        print(f"  MLA:       {kind}, {per_token / 1024:.1f} KiB per token at f16)")
    if layout.compress_ratios:
        csa, hca = layout.compress_ratios.count(4), layout.compress_ratios.count(128)
        print(f"  attention: compressed: {csa} CSA (1/4, indexed) and {hca} HCA (1/128) layers, "
              f"sliding window {layout.sliding_window}")
    if info.arch in ("deepseek32", "deepseek4"):
        half, full = (sum(kv_layer_bytes(layout, n, "f16")) for n in (1 << 19, 1 << 20))
        token_bytes = (full - half) / (1 << 19)
        fixed = full - token_bytes * (1 << 20)
        print(f"  KV cache:  {token_bytes:,.0f} bytes per token at f16"
              + (f" + {fixed / 2**20:.1f} MiB" if fixed >= 2**20 / 10 else ""))
    if layout.n_expert:
        print(f"  layers:    {layout.n_layer} ({layout.n_dense_lead} dense, "
              f"{len(layout.moe_layers)} MoE with {layout.n_expert} experts, "
              f"{layout.n_expert_used} active)")
    else:
        print(f"  layers:    {layout.n_layer}")
    print(f"  context:   {layout.n_ctx_train:,} tokens (trained)")
    print(f"  template:  {_template_text(info)}")
    print(f"  verdict:   {'loadable' if problem is None else 'cannot be loaded: ' + str(problem)}")
    print("  metadata:")
    for key, value in info.metadata.items():
        if key == "tokenizer.chat_template":
            value = f"({len(str(value)):,} characters)"
        print(f"    {key} = {_metadata_value(value)}")


def _template_text(info: ModelInfo) -> str:
    if info.chat_template:
        return "from the file"
    if fallback_template(info.family.family, info.arch) is None:
        return "none, and none built in: not a DeepSeek model, so it cannot chat"
    return "none (built-in used)"


# -- plan --------------------------------------------------------------------------------------


def run_plan(args: argparse.Namespace) -> int:
    check_positive("--ctx", args.ctx)
    if args.vram_gib is not None and args.vram_gib < 0:
        raise InvalidOptionError(f"--vram-gib cannot be negative, got {args.vram_gib:g}.")
    check_positive("--ram-gib", args.ram_gib)
    model = read_loadable(args.model)
    info = describe(model)
    plan = plan_offload(info.layout, _machine(args), PlanOptions(
        n_ctx=args.ctx or default_context(info), kv_type=args.kv_type,
        cpu_moe_layers=args.cpu_moe_layers))
    if args.json:
        print_json(plan_json(plan))
    else:
        _print_plan(info, plan)
    return 0


def _machine(args: argparse.Namespace) -> Machine:
    from backend.engine import devices

    system = devices.probe()
    machine = system.machine()
    gpus = machine.gpus
    if args.vram_gib == 0:
        gpus = ()  # a machine without a GPU: the most common one
    elif args.vram_gib is not None:
        size = int(args.vram_gib * GiB)
        gpus = (GpuBudget(f"GPU ({args.vram_gib:g} GiB)", size, size,
                          gpus[0].bandwidth_gbs if gpus else 1000.0),)
    ram = int(args.ram_gib * GiB) if args.ram_gib is not None else machine.ram_available
    return replace(machine, gpus=gpus, ram_available=ram)


def plan_json(plan: OffloadPlan) -> dict[str, object]:
    return {
        "verdict": plan.verdict.value,
        "summary": plan.summary(),
        "n_gpu_layers": plan.n_gpu_layers,
        "overrides": list(plan.overrides),
        "cpu_expert_layers": plan.cpu_expert_layers,
        "n_moe_layers": plan.n_moe_layers,
        "gpu_bytes": plan.gpu_bytes,
        "cpu_bytes": plan.cpu_bytes,
        "vram_budget": plan.vram_budget,
        "kv_bytes": plan.kv_bytes,
        "expected_tps": round(plan.expected_tps, 2),
        "op_offload": plan.op_offload,
        "use_mmap": plan.use_mmap,
        "tensor_split": list(plan.tensor_split),
        "over_budget": plan.over_budget,
        "gpus": [{"name": g.name, "weights": g.weights, "kv": g.kv, "compute": g.compute,
                  "budget": g.budget} for g in plan.gpus],
        "notes": list(plan.notes),
    }


def _print_plan(info: ModelInfo, plan: OffloadPlan) -> None:
    print(f"{info.label} ({info.quant}, {format_bytes(info.file_bytes)}), context {plan.n_ctx:,} "
          f"({plan.kv_type} KV cache: {format_bytes(plan.kv_bytes)})")
    print(f"  verdict:        {plan.verdict.value}: {plan.summary()}")
    for g in plan.gpus:
        print(f"  {g.name}: {format_bytes(g.total)} of {format_bytes(g.budget)} usable "
              f"(weights {format_bytes(g.weights)}, KV {format_bytes(g.kv)}, compute {format_bytes(g.compute)})")
    print(f"  RAM:            {format_bytes(plan.cpu_bytes)} of {format_bytes(plan.cpu.budget)} available")
    print(f"  n_gpu_layers:   {plan.n_gpu_layers}")
    print(f"  experts in RAM: {plan.cpu_expert_layers} of {plan.n_moe_layers} MoE layers")
    for pattern in plan.overrides:
        print(f"  override:       {pattern} → CPU")
    if plan.expected_tps:
        print(f"  expected speed: ~{plan.expected_tps:.1f} tokens/s")
    for note in plan.notes:
        print(f"  note: {note}")


# -- chat --------------------------------------------------------------------------------------


def run_chat(args: argparse.Namespace) -> int:
    if args.server is not None:
        from app.cli.remote_chat import run_remote_chat

        return run_remote_chat(args)
    from backend.engine.local_engine import LoadSettings, LocalEngine

    if args.server_model or args.api_key_env or args.thinking_model:
        raise InvalidOptionError("--model, --api-key-env and --thinking-model go with "
                                 "--server URL; for a local model give its GGUF file.")
    if args.model is None or args.prompt is None:
        raise InvalidOptionError("chat needs a MODEL file and a PROMPT (or --server URL "
                                 "--model NAME PROMPT).")
    check_positive("--max-tokens", args.max_tokens)
    check_positive("--ctx", args.ctx)
    if args.effort is not None and args.think is False:
        raise InvalidOptionError("--effort sets how hard the model thinks: use it with --think, "
                                 "not --no-think.")
    info = inspect_loadable(args.model)  # refuses a bad file (and an --effort) before loading
    _check_effort(info, args.effort)
    attachments = read_attachments(args.attach)  # refused before the model takes minutes to load
    store = None
    if args.conversation is not None:
        from app.cli.saved_chat import check_conversation, saved_engine

        engine, store = saved_engine(args)
        check_conversation(store, args.conversation)  # before minutes of loading
    else:
        engine = LocalEngine()
    tty = sys.stderr.isatty() and not args.json

    def progress(value: float) -> None:
        if tty:
            print(f"\rLoading… {value:4.0%}", end="", file=sys.stderr, flush=True)

    loaded = engine.load(args.model, LoadSettings(n_ctx=args.ctx or default_context(info),
                                                  cpu_moe_layers=args.cpu_moe_layers),
                         progress=progress)
    if tty:
        print(f"\r{loaded.info.label}: {loaded.plan.summary()}", file=sys.stderr)
    family = loaded.info.family
    think = args.think if args.think is not None else (
        family.thinking is ThinkingMode.ALWAYS or args.effort is not None)
    sampling = default_sampling(family.family)
    if args.temperature is not None or args.top_p is not None:
        sampling = replace(
            sampling,
            temperature=sampling.temperature if args.temperature is None else args.temperature,
            top_p=sampling.top_p if args.top_p is None else args.top_p,
        )
        if sampling.temperature < 0 or not 0 < sampling.top_p <= 1:
            raise InvalidOptionError("--temperature must be >= 0 and --top-p in (0, 1].")
    try:
        if attachments:
            attachments = recount(attachments, args.prompt, loaded.n_ctx, engine.count_tokens)
        request = ChatRequest(
            messages=chat_messages(args.prompt, args.system, attachments), deep_thinking=think,
            sampling=sampling, max_tokens=args.max_tokens, seed=args.seed,
            reasoning_effort=args.effort,
        )
        if store is None:
            return print_answer(engine, request, as_json=args.json)
        from app.cli.saved_chat import open_conversation, run_turn

        conversation = open_conversation(store, args.conversation, args.prompt,
                                         loaded.info.label, think)
        if args.effort is not None:
            store.set_reasoning_effort(conversation.id, args.effort)
        elif think and conversation.reasoning_effort in family.effort_levels:
            request = replace(request, reasoning_effort=conversation.reasoning_effort)
        run_turn(engine, store, conversation, request, as_json=args.json,
                 label=loaded.info.label, system=args.system,
                 default_system=load_settings(profile_paths(args).settings_file).system_prompt)
        return 0
    finally:
        engine.unload()
        if engine.snapshots is not None:
            engine.snapshots.flush()
        if store is not None:
            store.close()


def _check_effort(info: ModelInfo, effort: str | None) -> None:
    levels = info.family.effort_levels
    if effort is None or effort in levels:
        return
    if not levels:
        raise InvalidOptionError(
            f"--effort: {info.label} has no reasoning effort levels (its chat template knows "
            f"none; DeepSeek-V4 has them). Leave out --effort.")
    raise InvalidOptionError(f"--effort {effort}: {info.label} knows only "
                             f"{', '.join(levels)}. Use --effort {levels[-1]}.")
