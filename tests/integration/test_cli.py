"""The headless CLI, run as a user runs it: `python -m app ...` in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.raw_gguf import write_raw_gguf

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]


def test_inspect_reports_family_thinking_and_mla(r1_model: Path) -> None:
    result = cli("inspect", r1_model)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "DeepSeek-R1  (deepseek2, F16)"
    assert "  family:    deepseek-r1\n" in out
    assert "  thinking:  always\n" in out
    assert "  MLA:       yes (small KV cache" in out
    assert "  verdict:   loadable\n" in out
    assert "    general.architecture = deepseek2\n" in out


def test_inspect_json(v31_model: Path) -> None:
    result = cli("inspect", v31_model, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["family"], data["thinking"], data["mla"], data["loadable"]) == (
        "deepseek-v3.1", "hybrid", True, True)
    assert data["metadata"]["tokenizer.ggml.tokens"].startswith("[")


def test_inspect_unloadable_file_shows_why(tmp_path: Path) -> None:
    path = write_raw_gguf(tmp_path / "odd.gguf", {"general.architecture": "frobnicator"},
                          [("token_embd.weight", (32, 8), 0)])
    result = cli("inspect", path)
    assert "  verdict:   cannot be loaded: odd.gguf holds a 'frobnicator' model" in result.stdout
    assert_clean_failure(result, "an architecture this version of llama.cpp cannot run")


def test_bad_files_fail_with_one_line(r1_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(r1_model.read_bytes()[:-4096])
    assert_clean_failure(cli("inspect", broken), "broken.gguf is truncated")
    assert_clean_failure(cli("chat", broken, "hi"), "broken.gguf is truncated")
    assert_clean_failure(cli("plan", tmp_path / "missing.gguf"), "missing.gguf does not exist")
    (tmp_path / "notes.gguf").write_text("hello")
    assert_clean_failure(cli("inspect", tmp_path / "notes.gguf"), "notes.gguf is not a GGUF file")


def test_impossible_options_fail_with_one_line(r1_model: Path) -> None:
    assert_clean_failure(cli("plan", r1_model, "--ctx", "0"), "--ctx must be positive, got 0.")
    assert_clean_failure(cli("plan", r1_model, "--cpu-moe-layers", "many"),
                         "expected a number of layers or 'all', got 'many'")
    assert_clean_failure(cli("chat", r1_model, "hi", "--top-p", "3"),
                         "--temperature must be >= 0 and --top-p in (0, 1].")
    assert_clean_failure(cli("frobnicate"), "invalid choice")


def test_plan_json_for_a_simulated_gpu(r1_model: Path) -> None:
    result = cli("plan", r1_model, "--vram-gib", "4", "--ram-gib", "8", "--cpu-moe-layers", "1",
                 "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["verdict"] == "experts_in_ram"
    assert plan["n_gpu_layers"] == 4  # 3 blocks + output
    assert plan["overrides"] == [r"^blk\.(1)\.(ffn_down_exps|ffn_gate_exps|ffn_up_exps)\."]
    assert plan["cpu_expert_layers"] == 1
    assert plan["gpu_bytes"] > 0 and plan["cpu_bytes"] > 0 and plan["expected_tps"] > 0


def test_plan_on_this_machine(r1_model: Path) -> None:
    result = cli("plan", r1_model)
    assert result.returncode == 0, result.stderr
    assert "  verdict:        " in result.stdout


def test_plan_for_a_machine_without_a_gpu(r1_model: Path) -> None:
    result = cli("plan", r1_model, "--vram-gib", "0", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["verdict"], plan["n_gpu_layers"], plan["gpus"]) == ("cpu_only", 0, [])
    assert_clean_failure(cli("plan", r1_model, "--vram-gib", "-1"),
                         "--vram-gib cannot be negative, got -1.")


def test_options_go_before_between_and_after_the_positionals(r1_model: Path) -> None:
    first = cli("chat", r1_model, "--json", "What is 2+2?", "--max-tokens", "4", "--seed", "3")
    assert first.returncode == 0, first.stderr
    second = cli("chat", "--seed", "3", "--max-tokens", "4", r1_model, "What is 2+2?", "--json")
    assert second.stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1]
    assert cli("inspect", "--json", r1_model).returncode == 0
    assert cli("-v", "plan", "--vram-gib", "0", r1_model, "--json").returncode == 0


def test_exit_codes_tell_bad_input_from_a_failure(tmp_path: Path) -> None:
    assert cli("chat", tmp_path / "missing.gguf", "hi").returncode == 2  # a file that is not there
    assert cli("inspect").returncode == 2  # a missing argument
    result = cli("chat", "--server", "http://127.0.0.1:1/v1", "--model", "m", "hi")  # nobody there
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("deepseek-local: ") and "Traceback" not in result.stderr


def test_chat_json_lines(r1_model: Path) -> None:
    result = cli("chat", r1_model, "What is 2+2?", "--json", "--max-tokens", "12", "--seed", "7")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert {e["type"] for e in events[:-1]} <= {"reasoning", "answer"}
    stats = events[-1]
    assert stats["type"] == "stats"
    assert stats["completion_tokens"] <= 12
    assert stats["finish_reason"] in ("length", "stop")
    assert set(stats) == {"type", "prompt_tokens", "cached_tokens", "completion_tokens", "ttft_s",
                          "prompt_tps", "decode_tps", "finish_reason"}
    # Same seed, same text.
    again = cli("chat", r1_model, "What is 2+2?", "--json", "--max-tokens", "12", "--seed", "7")
    assert again.stdout.splitlines()[:-1] == result.stdout.splitlines()[:-1]


def test_chat_think_on_v3_is_refused(v3_model: Path) -> None:
    assert_clean_failure(cli("chat", v3_model, "hi", "--think"), "cannot reason step by step")


def test_a_conversation_is_saved_and_continued_without_reading_it_again(
        r1_model: Path, tmp_path: Path) -> None:
    home = tmp_path / "profile"
    notes = "My notes: " + " ".join(f"apple{i}" for i in range(120))
    first = cli("chat", r1_model, notes, "--conversation", "new", "--data-dir", home, "--json",
                "--max-tokens", "6", "--seed", "1")
    assert first.returncode == 0, first.stderr
    events = [json.loads(line) for line in first.stdout.splitlines()]
    assert events[0]["type"] == "conversation"
    conversation = events[0]["id"]
    second = cli("chat", r1_model, "And then?", "--conversation", conversation, "--data-dir",
                 home, "--json", "--max-tokens", "6", "--seed", "1")
    assert second.returncode == 0, second.stderr
    later = [json.loads(line) for line in second.stdout.splitlines()]
    assert later[0] == {"type": "conversation", "id": conversation}
    stats = later[-1]
    assert stats["cached_tokens"] >= stats["prompt_tokens"] - 20  # the snapshot, not a re-read
    with sqlite3.connect(home / "data" / "conversations.sqlite3") as db:
        rows = db.execute("SELECT role, content, state FROM messages WHERE conversation_id = ? "
                          "ORDER BY position", (conversation,)).fetchall()
    assert [(r[0], r[2]) for r in rows] == [("user", "complete"), ("assistant", "complete")] * 2
    assert (rows[0][1], rows[2][1]) == (notes, "And then?")
    assert_clean_failure(
        cli("chat", r1_model, "hi", "--conversation", "no-such-id", "--data-dir", home),
        "There is no conversation no-such-id in ")
def _prompt_tokens(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout.splitlines()[-1])["prompt_tokens"])


def test_chat_with_attachments_and_a_system_prompt(r1_model: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Plan\n\nShip on Friday.\n", encoding="utf-8")
    report = tmp_path / "report.txt"
    report.write_bytes("季度报告：销售增长。".encode("gb18030"))
    base = ("chat", r1_model, "Summarize", "--json", "--max-tokens", "2", "--seed", "1")
    plain = _prompt_tokens(cli(*base))
    one = _prompt_tokens(cli(*base, "--attach", notes))
    two = _prompt_tokens(cli(*base, "--attach", notes, "--attach", report))
    system = _prompt_tokens(cli(*base, "--attach", notes, "--system", "Answer in French."))
    assert plain < one < two  # each file's text went into the prompt
    assert system > one  # and R1 got the system text folded into the question


def test_attachment_refusals_are_one_line_and_exit_2(r1_model: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    assert_clean_failure(cli("chat", r1_model, "hi", "--attach", missing),
                         f"{missing} does not exist.")
    (tmp_path / "tool.bin").write_bytes(bytes(range(256)) * 4)
    assert_clean_failure(cli("chat", r1_model, "hi", "--attach", tmp_path / "tool.bin"),
                         "tool.bin is not a text file (it holds binary data).")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    assert_clean_failure(cli("chat", r1_model, "hi", "--attach", tmp_path / "photo.jpg"),
                         "photo.jpg is an image, and this model cannot see images.")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\nnot really\n")
    assert_clean_failure(cli("chat", r1_model, "hi", "--attach", tmp_path / "scan.pdf"),
                         "scan.pdf is not a readable PDF")
    big = tmp_path / "book.txt"
    big.write_text("All work and no play makes Jack a dull boy.\n" * 400, encoding="utf-8")
    result = cli("chat", r1_model, "hi", "--ctx", "512", "--attach", big)
    assert_clean_failure(result, "book.txt is about ")
    assert "at most 384 of the model's 512-token context can go to it" in result.stderr


def test_chat_reads_a_pdf(r1_model: Path, tmp_path: Path) -> None:
    from tests.support.documents import write_pdf

    pdf = write_pdf(tmp_path / "report.pdf", ["Quarterly report", "Sales rose"])
    base = ("chat", r1_model, "Summarize", "--json", "--max-tokens", "2", "--seed", "1")
    assert _prompt_tokens(cli(*base, "--attach", pdf)) > _prompt_tokens(cli(*base))
