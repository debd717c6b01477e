"""`make gpu-check`: the offload planner measured on a real GPU, in one command.

On a machine with an NVIDIA GPU, `make gpu-check` builds llama-cpp-python with CUDA in its own
venv (.venv-gpu) and runs this script there. It writes a synthetic DeepSeek-V3-shaped
`deepseek2` GGUF of `--size-gb` (random Q8_0 weights, so routing spreads over the experts as in a
real model) on this machine's disk, then loads it with the app's own engine:
- the automatic plan,
- a sweep of `--cpu-moe-layers` (the experts of N MoE layers in RAM),
- llama.cpp's own `--fit` (llama-bench/llama-cli on PATH), when this machine has it,
and prints, for each: the plan's VRAM against the VRAM the load really took (free memory before
and after, as ggml reports it), prompt and decode tokens/s, and whether it loaded at all.

`--dry-run` runs the same on the CPU with a small model, to check the script itself.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT_WORDS = 400  # ~3k tokens with the toy vocabulary
DECODE_TOKENS = 64


@dataclass
class Row:
    label: str
    planned_gpu: int
    used_gpu: int
    prompt_tps: float
    decode_tps: float
    note: str = ""


def write_model(path: Path, size_gb: float) -> Path:
    """A DeepSeek-V3-shaped model of about `size_gb`, written tensor by tensor (never all in
    memory): 4096-wide with 64 routed experts of 1536 per MoE layer (1024-wide with 16 for a
    small check), the layer count set by the size."""
    import gguf
    import numpy as np

    from backend.chat import builtin_templates
    from tests.support import tiny_model as tm

    n_embd, n_ff_exp, n_expert = (4096, 1536, 64) if size_gb >= 20 else (1024, 1536, 16)
    per_layer = 3 * n_embd * n_ff_exp * n_expert * 34 / 32  # Q8_0: 34 bytes per 32 weights
    n_layer = max(4, round(0.95 * size_gb * 1e9 / per_layer)) + 1  # + the dense lead layer
    spec = tm.TinyModelSpec(
        name="DeepSeek-R1 GPU Check", chat_template=builtin_templates.DEEPSEEK_R1,
        n_embd=n_embd, n_layer=n_layer, n_dense=1, n_head=32 if n_embd >= 4096 else 8,
        q_lora_rank=1536 if n_embd >= 4096 else 256, kv_lora_rank=512, qk_rope=64,
        qk_nope=128, v_head=128, n_ff=2 * n_embd, n_ff_exp=n_ff_exp,
        n_expert=n_expert, n_expert_used=8, n_ctx_train=16384,
        weight_type=gguf.GGMLQuantizationType.Q8_0)
    if path.exists():
        return path
    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(path, "deepseek2")
    tm._write_hparams(writer, spec)
    tm._write_vocab(writer, spec)
    shapes = list(tm.tensor_shapes(spec))
    q8 = gguf.GGMLQuantizationType.Q8_0
    for name, shape, kind in shapes:
        numpy_shape = tuple(reversed(shape))
        if kind in ("norm", "router", "bias"):
            writer.add_tensor_info(name, numpy_shape, np.dtype(np.float32),
                                   4 * int(np.prod(shape)))
        else:
            rows = int(np.prod(shape)) // 32
            writer.add_tensor_info(name, (*numpy_shape[:-1], numpy_shape[-1] // 32 * 34),
                                   np.dtype(np.uint8), rows * 34, raw_dtype=q8)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    scale = np.float16(0.02).tobytes()
    for _name, shape, kind in shapes:
        n = int(np.prod(shape))
        if kind == "norm":
            writer.write_tensor_data(np.ones(n, dtype=np.float32))
        elif kind in ("router", "bias"):
            writer.write_tensor_data((rng.standard_normal(n) * 0.02).astype(np.float32))
        else:
            blocks = rng.integers(-127, 128, size=(n // 32, 34), dtype=np.int8).view(np.uint8)
            blocks[:, 0:2] = np.frombuffer(scale, dtype=np.uint8)
            writer.write_tensor_data(blocks.reshape(-1))
    writer.close()
    return path


def measure(model: Path, label: str, cpu_moe_layers: int | None, n_ctx: int,
            prompt_words: int = PROMPT_WORDS) -> Row:
    """Load with the app's engine and plan, then time a prompt and a decode."""
    from backend.chat.messages import Sampling
    from backend.engine import devices
    from backend.engine.local_engine import LoadSettings, LocalEngine
    from backend.errors import AppError

    free_before = sum(g.free_bytes for g in devices.list_gpus())
    engine = LocalEngine()
    try:
        loaded = engine.load(model, LoadSettings(n_ctx=n_ctx, cpu_moe_layers=cpu_moe_layers))
    except AppError as exc:
        return Row(label, 0, 0, 0.0, 0.0, f"did not load: {exc}")
    try:
        used = free_before - sum(g.free_bytes for g in devices.list_gpus())
        words = " ".join(f"word{i}" for i in range(prompt_words))
        prompt = f"<｜User｜>{words}<｜Assistant｜>"
        stats = None
        for item in engine.generate(prompt, sampling=Sampling(temperature=0.6), seed=1,
                                    max_tokens=DECODE_TOKENS):
            if not isinstance(item, str):
                stats = item
        assert stats is not None
        return Row(label, loaded.plan.gpu_bytes, used, stats.prompt_tps, stats.decode_tps,
                   loaded.plan.summary())
    finally:
        engine.unload()


def llama_cpp_fit(model: Path) -> str:
    """llama.cpp's own automatic fit, if a llama.cpp with `--fit` is installed here."""
    tool = shutil.which("llama-bench") or shutil.which("llama-cli")
    if tool is None:
        return "llama.cpp's --fit: no llama-bench/llama-cli on PATH; not measured"
    help_text = subprocess.run([tool, "--help"], capture_output=True, text=True,
                               check=False).stdout
    if "--fit" not in help_text:
        return f"llama.cpp's --fit: {tool} has no --fit; not measured"
    done = subprocess.run([tool, "-m", str(model), "--fit", "on", "-p", "512", "-n", "64"],
                          capture_output=True, text=True, check=False, timeout=3600)
    return f"llama.cpp's --fit ({tool}):\n{done.stdout[-2000:]}{done.stderr[-1000:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=60.0)
    parser.add_argument("--folder", type=Path, default=ROOT / "build" / "gpu-check")
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--dry-run", action="store_true",
                        help="no GPU needed: a 1 GB model on the CPU, to check this script")
    args = parser.parse_args()
    from backend.engine import devices

    system = devices.probe()
    if not system.gpu_offload_supported and not args.dry_run:
        print("This llama.cpp has no GPU backend: build it with CMAKE_ARGS=-DGGML_CUDA=on "
              "(make gpu-check does).", file=sys.stderr)
        return 2
    size = 1.0 if args.dry_run else args.size_gb
    prompt_words = 30 if args.dry_run else PROMPT_WORDS
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"GPUs: {[(g.description, round(g.total_bytes / 1e9, 1)) for g in system.gpus]}, "
          f"RAM available {system.ram_available / 1e9:.0f} GB, {system.cpu_cores} cores")
    started = time.perf_counter()
    model = write_model(args.folder / f"DeepSeek-R1-GPU-Check-{size:g}GB-Q8_0.gguf", size)
    print(f"model: {model.name}, {model.stat().st_size / 1e9:.1f} GB "
          f"(written in {time.perf_counter() - started:.0f} s)")
    from backend.engine.preflight import inspect_loadable

    n_moe = len(inspect_loadable(model).layout.moe_layers)
    sweep: list[tuple[str, int | None]] = [("automatic plan", None)]
    sweep += [(f"--cpu-moe-layers {n}", n) for n in sorted({0, n_moe // 4, n_moe // 2,
                                                            3 * n_moe // 4, n_moe})]
    rows = [measure(model, label, layers, args.ctx, prompt_words) for label, layers in sweep]
    print(f"\n{'run':<26} {'plan VRAM':>10} {'real VRAM':>10} {'prompt t/s':>11} "
          f"{'decode t/s':>11}  plan")
    for r in rows:
        print(f"{r.label:<26} {r.planned_gpu / 1e9:9.2f}G {r.used_gpu / 1e9:9.2f}G "
              f"{r.prompt_tps:11.1f} {r.decode_tps:11.2f}  {r.note}")
    print()
    print(llama_cpp_fit(model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
