"""Benchmark: tokens/s a streaming `openai` client sees from `serve` vs the `chat` command's own
decode tokens/s, on the same generated model, in one run.

`python -m tests.bench.bench_serve [--tokens N] [--rounds R]` writes the ~300 MB bench model
with a scripted output head that never ends (so every run decodes N tokens), starts
`python -m app serve` once, then alternates: `python -m app chat MODEL PROMPT --max-tokens N
--json` (its stats line's decode_tps: tokens after the first over the time between the first
and the last), and a streaming chat completion through the official client, timed the same way
where the client receives the text (chunks carry the tokens of up to 50 ms). Both run the same
prompt, as separate processes, one at a time; the median of each round's ratio is printed too
(the two runs of a round are back to back, so a busy machine skews them alike). Target: ≥ 0.95×.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 0.95
PROMPT = "Write a long story about a fox."
ROOT = Path(__file__).resolve().parents[2]


def bench_model(folder: Path) -> Path:
    from tests.support.tiny_model import bench_spec, endless, write_tiny_model

    path = folder / "DeepSeek-R1-Bench-Endless-Q8_0.gguf"
    if not path.exists():
        write_tiny_model(path, bench_spec(bigrams=endless()))
    return path


def chat_command(model: Path, n_tokens: int) -> tuple[float, int]:
    result = subprocess.run(
        [sys.executable, "-m", "app", "chat", str(model), PROMPT, "--max-tokens", str(n_tokens),
         "--json", "--ctx", "2048"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        check=True)
    stats = json.loads(result.stdout.splitlines()[-1])
    return float(stats["decode_tps"]), int(stats["completion_tokens"])


def streaming_client(url: str, name: str, n_tokens: int) -> tuple[float, int]:
    import openai

    with openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600) as client:
        stream = client.chat.completions.create(
            model=name, messages=[{"role": "user", "content": PROMPT}], stream=True,
            max_tokens=n_tokens, stream_options={"include_usage": True})
        arrivals: list[float] = []
        tokens = 0
        for chunk in stream:
            now = time.perf_counter()
            if chunk.usage is not None:
                tokens = chunk.usage.completion_tokens
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content or getattr(delta, "reasoning_content", None):
                    arrivals.append(now)
    elapsed = arrivals[-1] - arrivals[0]
    return ((tokens - 1) / elapsed if elapsed > 0 else 0.0), tokens


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "deepseek-local-bench")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from tests.support.serve_process import serving

    model = bench_model(args.dir)
    print(f"serve benchmark: {model.name} ({model.stat().st_size / 1e6:.0f} MB), "
          f"{args.tokens} tokens, {args.rounds} rounds")
    cli, client = [], []
    with serving(model, "--ctx", "2048") as server:
        streaming_client(server.url, server.name, 16)  # warm up: the first prompt's evaluation
        for _ in range(args.rounds):
            tps, count = chat_command(model, args.tokens)
            assert count == args.tokens, f"chat stopped after {count} tokens"
            cli.append(tps)
            tps, count = streaming_client(server.url, server.name, args.tokens)
            assert count == args.tokens, f"the stream stopped after {count} tokens"
            client.append(tps)
        engine = [float(line.split(" tok/s")[0].rsplit(" ", 1)[1])
                  for line in server.wait_for_answers(args.rounds + 1)[1:]]
    c, s = statistics.median(cli), statistics.median(client)
    # Each round's pair ran back to back: their ratio cancels most of a shared machine's drift.
    paired = statistics.median(b / a for a, b in zip(cli, client, strict=True))
    print(f"  chat command decode         {c:8.1f} tok/s   (rounds: "
          + ", ".join(f"{x:.1f}" for x in cli) + ")")
    print(f"  streaming openai client     {s:8.1f} tok/s   ratio {s / c:.3f}  "
          f"(target ≥ {TARGET_RATIO}; rounds: " + ", ".join(f"{x:.1f}" for x in client) + ")")
    print("  (the server's engine itself: " + ", ".join(f"{x:.1f}" for x in engine)
          + " tok/s)")
    print(f"  median of the rounds' ratios                 {paired:.3f}")


if __name__ == "__main__":
    main()
