"""Benchmark: decode tokens/s through the engine vs a raw llama-cpp-python eval/sample loop.

`python -m tests.bench.bench_engine [--tokens N] [--rounds R]` writes a generated mid-size
`deepseek2` model (~300 MB, Q8_0) once, then alternates, on the same prompt, sampler settings
and seed: the raw loop (llama_decode + llama_sampler_sample, nothing else), the app's engine
(`LocalEngine.generate`: detokenizing, UTF-8 assembly, cancel checks, stats), and, for
reference, llama-cpp-python's own `Llama.create_completion`. Target: engine ≥ 0.95× raw.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 0.95
PROMPT = "<｜begin▁of▁sentence｜><｜User｜>Write a long story about a fox.<｜Assistant｜><think>\n"


def bench_model(folder: Path) -> Path:
    from tests.support.tiny_model import bench_spec, write_tiny_model

    path = folder / "DeepSeek-R1-Bench-Q8_0.gguf"
    if not path.exists():
        write_tiny_model(path, bench_spec())
    return path


def raw_loop(path: Path, n_tokens: int, seed: int, threads: int) -> float:
    """The reference: llama.cpp's C API driven by the thinnest possible Python loop."""
    import llama_cpp as C

    # The same load and context settings the engine uses, so only the loops differ.
    params = C.llama_model_default_params()
    params.n_gpu_layers = 0
    params.load_mode = C.LLAMA_LOAD_MODE_MMAP
    model = C.llama_model_load_from_file(str(path).encode(), params)
    cparams = C.llama_context_default_params()
    cparams.n_ctx = 2048
    cparams.n_batch = cparams.n_ubatch = 512
    cparams.n_threads = threads
    cparams.n_threads_batch = os.cpu_count() or threads
    cparams.no_perf = True
    ctx = C.llama_init_from_model(model, cparams)
    vocab = C.llama_model_get_vocab(model)
    raw = PROMPT.encode()
    buf = (ctypes.c_int32 * 512)()
    n = C.llama_tokenize(vocab, raw, len(raw), buf, 512, False, True)
    C.llama_decode(ctx, C.llama_batch_get_one(buf, n))
    chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
    C.llama_sampler_chain_add(chain, C.llama_sampler_init_top_p(0.95, 1))
    C.llama_sampler_chain_add(chain, C.llama_sampler_init_temp(0.6))
    C.llama_sampler_chain_add(chain, C.llama_sampler_init_dist(seed))
    one = (ctypes.c_int32 * 1)()
    token = C.llama_sampler_sample(chain, ctx, -1)
    start = time.perf_counter()
    for _ in range(n_tokens - 1):
        one[0] = token
        C.llama_decode(ctx, C.llama_batch_get_one(one, 1))
        token = C.llama_sampler_sample(chain, ctx, -1)
    elapsed = time.perf_counter() - start
    C.llama_sampler_free(chain)
    C.llama_free(ctx)
    C.llama_model_free(model)
    return (n_tokens - 1) / elapsed


def engine_loop(path: Path, n_tokens: int, seed: int, threads: int) -> tuple[float, int]:
    from backend.chat.events import GenerationStats
    from backend.chat.messages import Sampling
    from backend.engine.local_engine import LoadSettings, LocalEngine
    from backend.engine.offload import Machine

    engine = LocalEngine()
    engine.load(path, LoadSettings(n_ctx=2048, n_threads=threads), machine=Machine((), 1 << 40))
    stats = None
    for item in engine.generate(PROMPT, sampling=Sampling(temperature=0.6, top_p=0.95),
                                max_tokens=n_tokens, seed=seed):
        if isinstance(item, GenerationStats):
            stats = item
    engine.unload()
    assert stats is not None
    return stats.decode_tps, stats.completion_tokens


def create_completion_loop(path: Path, n_tokens: int, seed: int, threads: int) -> float:
    import llama_cpp

    llm = llama_cpp.Llama(str(path), n_ctx=2048, n_threads=threads, verbose=False, seed=seed)
    first = None
    count = 0
    for _chunk in llm.create_completion(PROMPT, max_tokens=n_tokens, temperature=0.6,
                                        top_p=0.95, stream=True):
        count += 1
        if first is None:
            first = time.perf_counter()
    elapsed = time.perf_counter() - (first or time.perf_counter())
    llm.close()
    return (count - 1) / elapsed if elapsed > 0 else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "deepseek-local-bench")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)

    import backend.engine.native  # noqa: F401  (routes llama.cpp's log away from the terminal)
    from backend.engine.devices import cpu_cores

    threads = cpu_cores()[0]
    path = bench_model(args.dir)
    print(f"engine decode benchmark: {path.name} ({path.stat().st_size / 1e6:.0f} MB), "
          f"{args.tokens} tokens, {threads} threads, {args.rounds} rounds")
    # Pick a seed whose continuation does not end early, so both loops decode N tokens.
    seed = next(s for s in range(100) if engine_loop(path, args.tokens, s, threads)[1] >= args.tokens)
    raw, eng, cc = [], [], []
    for _ in range(args.rounds):
        raw.append(raw_loop(path, args.tokens, seed, threads))
        eng.append(engine_loop(path, args.tokens, seed, threads)[0])
        cc.append(create_completion_loop(path, args.tokens, seed, threads))
    r, e, c = (statistics.median(x) for x in (raw, eng, cc))
    print(f"  raw eval/sample loop        {r:8.1f} tok/s")
    print(f"  engine (LocalEngine)        {e:8.1f} tok/s   ratio {e / r:.3f}  (target ≥ {TARGET_RATIO})")
    print(f"  Llama.create_completion     {c:8.1f} tok/s   ratio {c / r:.3f}  (reference)")


if __name__ == "__main__":
    main()
