"""Benchmark: time to the first token of a follow-up in a ~2,500-token conversation, when its KV
cache is live (warm), restored from a snapshot after a restart or a switch, or read again (cold).

`python -m tests.bench.bench_kv [--words N]` writes a generated ~70 MB `deepseek2` model once,
then on the same conversation, prompt and seed:
- warm: one process answers turn 1, then the follow-up (the cache is still live);
- restart: a new process (`python -m app chat … --conversation ID`) answers the follow-up,
  restoring the snapshot turn 1 left in the cache folder;
- cold: the same, with snapshots switched off in that profile's settings: the whole
  conversation is read again;
- switch A → B → A: one process answers A, then B, then A's follow-up (A comes back from RAM).
Goals: restart ÷ warm ≤ 1.5 and restart ÷ cold ≤ 0.1, the same for the switch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOAL_WARM, GOAL_COLD = 1.5, 0.1
FOLLOW_UP = "Summarize that in one line."


def bench_model(folder: Path) -> Path:
    import gguf

    from tests.support.tiny_model import TinyModelSpec, write_tiny_model

    path = folder / "DeepSeek-R1-KV-Bench-Q8_0.gguf"
    if not path.exists():
        from backend.chat import builtin_templates

        write_tiny_model(path, TinyModelSpec(
            name="DeepSeek-R1 KV Bench", chat_template=builtin_templates.DEEPSEEK_R1,
            n_embd=512, n_layer=8, n_dense=1, n_head=8, q_lora_rank=128, kv_lora_rank=256,
            qk_rope=32, qk_nope=64, v_head=64, n_ff=1536, n_ff_exp=256, n_expert=16,
            n_expert_used=4, weight_type=gguf.GGMLQuantizationType.Q8_0, n_ctx_train=8192))
    return path


def question(topic: str, words: int) -> str:
    return f"Here are my notes on {topic}: " + " ".join(f"{topic}{i}" for i in range(words))


def cli_turn(model: Path, home: Path, prompt: str, conversation: str) -> dict[str, object]:
    """One turn in a new process (an app restart); the stats event and the conversation id."""
    out = subprocess.run(
        [sys.executable, "-m", "app", "chat", str(model), prompt, "--conversation", conversation,
         "--data-dir", str(home), "--json", "--max-tokens", "8", "--seed", "1", "--ctx", "4096"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        check=True, timeout=1800)
    events = [json.loads(line) for line in out.stdout.splitlines()]
    return {"id": events[0]["id"], **events[-1]}


def in_process(model: Path, home: Path, turns: list[tuple[str, str]]) -> list[float]:
    """Turns (conversation "new"/label, prompt) in one process; each turn's ttft."""
    from app.cli.saved_chat import open_conversation, run_turn, saved_engine
    from backend.chat.family import default_sampling
    from backend.chat.messages import ChatMessage, ChatRequest, Role
    from backend.engine.local_engine import LoadSettings

    args = argparse.Namespace(data_dir=home)
    engine, store = saved_engine(args)
    loaded = engine.load(model, LoadSettings(n_ctx=4096))
    ids: dict[str, str] = {}
    ttfts = []
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the whole run
    stdout, sys.stdout = sys.stdout, devnull
    try:
        for label, prompt in turns:
            conversation = open_conversation(store, ids.get(label, "new"), prompt,
                                             loaded.info.label, True)
            ids[label] = conversation.id
            request = ChatRequest((ChatMessage(Role.USER, prompt),), deep_thinking=True,
                                  sampling=default_sampling(loaded.info.family.family),
                                  max_tokens=8, seed=1)
            stats = run_turn(engine, store, conversation, request, as_json=True,
                             label=loaded.info.label)
            assert stats is not None
            ttfts.append(stats.ttft_s)
    finally:
        sys.stdout = stdout
        devnull.close()
        engine.unload()
        if engine.snapshots is not None:
            engine.snapshots.flush()
        store.close()
    return ttfts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=300,
                        help="words in the first question (~8 tokens each: ~2,500 tokens)")
    args = parser.parse_args()
    cache = Path(os.environ.get("BENCH_CACHE", tempfile.gettempdir())) / "deepseek-local-bench"
    cache.mkdir(parents=True, exist_ok=True)
    model = bench_model(cache)
    work = Path(tempfile.mkdtemp(prefix="kv-bench-"))
    try:
        a, b = question("apple", args.words), question("berry", args.words)
        # Warm: turn 1 and the follow-up in one process.
        _, warm = in_process(model, work / "warm", [("a", a), ("a", FOLLOW_UP)])
        # Restart: turn 1 in one process, the follow-up in a new one; cold: the same profile
        # copied before the follow-up, with snapshots off.
        first = cli_turn(model, work / "restart", a, "new")
        shutil.copytree(work / "restart", work / "cold")
        (work / "cold" / "config").mkdir(exist_ok=True)
        (work / "cold" / "config" / "settings.json").write_text(
            json.dumps({"version": 1, "kv_snapshots": False}))
        shutil.rmtree(work / "cold" / "cache", ignore_errors=True)
        restart = cli_turn(model, work / "restart", FOLLOW_UP, str(first["id"]))
        cold = cli_turn(model, work / "cold", FOLLOW_UP, str(first["id"]))
        # Switch: A, B, then A's follow-up in one process.
        *_, switch = in_process(model, work / "switch", [("a", a), ("b", b), ("a", FOLLOW_UP)])
        snapshots = list((work / "restart" / "cache" / "kv-snapshots").glob("*.kvsnap"))
        tokens = int(str(first["prompt_tokens"])) + int(str(first["completion_tokens"]))
        size = max(p.stat().st_size for p in snapshots) if snapshots else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r_ttft, c_ttft = float(str(restart["ttft_s"])), float(str(cold["ttft_s"]))
    print(f"follow-up prompt: {restart['prompt_tokens']} tokens; after a restart "
          f"{restart['cached_tokens']} came from the snapshot, cold {cold['cached_tokens']}")
    print(f"time to first token of the follow-up: warm {warm:.3f} s · after a restart "
          f"{r_ttft:.3f} s · after A→B→A {switch:.3f} s · cold re-read {c_ttft:.3f} s")
    print(f"after a restart ÷ warm: {r_ttft / warm:.2f} (goal ≤ {GOAL_WARM}) · "
          f"÷ cold: {r_ttft / c_ttft:.3f} (goal ≤ {GOAL_COLD})")
    print(f"after A→B→A ÷ warm: {switch / warm:.2f} (goal ≤ {GOAL_WARM}) · "
          f"÷ cold: {switch / c_ttft:.3f} (goal ≤ {GOAL_COLD})")
    if size:
        print(f"snapshot: {size / 1e6:.1f} MB for {tokens} tokens = {size / tokens:,.0f} "
              "bytes per token (this model; DeepSeek-R1 at f16: ~70 KB)")


if __name__ == "__main__":
    main()
