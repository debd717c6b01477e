"""`inspect`, `plan` and `chat` on generated DeepSeek-V3.2 and V4 files, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import assert_clean_failure, cli
from tests.support.raw_gguf import write_raw_gguf


def test_inspect_reports_v4_with_its_facts(v4_model: Path) -> None:
    result = cli("inspect", v4_model)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "DeepSeek-V4-Flash  (deepseek4, F32)"
    assert "  family:    deepseek-v4\n" in out
    assert "  thinking:  hybrid\n" in out
    assert "  effort:    max (chat --think --effort LEVEL)\n" in out
    assert "  sampling:  temperature 1, top_p 1 (DeepSeek's recommendation)\n" in out
    assert ("  attention: compressed: 2 CSA (1/4, indexed) and 1 HCA (1/128) layers, sliding "
            "window 32\n") in out
    # 2 CSA layers x (64 + 64) / 4 + 1 HCA layer x 64 / 128, at 2 bytes, plus the window.
    assert "  KV cache:  129 bytes per token at f16 + 0.5 MiB\n" in out
    assert "  verdict:   loadable\n" in out


def test_inspect_json_says_which_generation(v32_model: Path, v4_0731_model: Path) -> None:
    v32 = json.loads(cli("inspect", v32_model, "--json").stdout)
    assert (v32["family"], v32["label"], v32["thinking"]) == (
        "deepseek-v3.2", "DeepSeek-V3.2", "hybrid")
    assert v32["family_facts"] == {
        "thinking_modes": ["thinking", "direct"], "effort_levels": [],
        "sampling": {"temperature": 1.0, "top_p": 0.95}, "system_prompt": True,
        "context_length": 4096, "default_context": 4096}
    v4 = json.loads(cli("inspect", v4_0731_model, "--json").stdout)
    assert (v4["family"], v4["label"]) == ("deepseek-v4", "DeepSeek-V4-Flash-0731")
    assert v4["family_facts"]["effort_levels"] == ["high", "max"]
    assert v4["family_facts"]["sampling"] == {"temperature": 1.0, "top_p": 1.0}


def test_plan_a_v4_file(v4_model: Path) -> None:
    result = cli("plan", v4_model, "--vram-gib", "24", "--ram-gib", "128", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["verdict"] == "fits_gpu" and plan["kv_bytes"] > 0
    assert plan["summary"].startswith("GPU ")


def test_chat_with_and_without_thinking_and_with_effort(v4_model: Path, v32_model: Path) -> None:
    for model, flags in ((v4_model, ["--think", "--effort", "max"]), (v4_model, ["--no-think"]),
                         (v32_model, ["--think"]), (v32_model, ["--no-think"])):
        result = cli("chat", model, "Hello", "--max-tokens", "4", "--seed", "1", "--json", *flags)
        assert result.returncode == 0, result.stderr
        events = [json.loads(line) for line in result.stdout.splitlines()]
        kinds = {e["type"] for e in events}
        assert events[-1]["type"] == "stats" and events[-1]["completion_tokens"] == 4
        if "--think" in flags:
            assert kinds <= {"reasoning", "answer", "stats"} and "reasoning" in kinds
        else:
            assert "reasoning" not in kinds


def test_effort_is_a_clear_error_where_the_model_has_none(
        r1_model: Path, v32_model: Path, v4_model: Path) -> None:
    assert_clean_failure(cli("chat", r1_model, "hi", "--think", "--effort", "max"),
                         "--effort: DeepSeek-R1 has no reasoning effort levels (its chat template "
                         "knows none; DeepSeek-V4 has them). Leave out --effort.")
    assert_clean_failure(cli("chat", v32_model, "hi", "--effort", "max"),
                         "--effort: DeepSeek-V3.2 has no reasoning effort levels")
    assert_clean_failure(cli("chat", v4_model, "hi", "--think", "--effort", "high"),
                         "--effort high: DeepSeek-V4-Flash knows only max. Use --effort max.")
    assert_clean_failure(cli("chat", v4_model, "hi", "--no-think", "--effort", "max"),
                         "--effort sets how hard the model thinks: use it with --think")
    assert_clean_failure(cli("chat", v4_model, "hi", "--effort", "extreme"),
                         "argument --effort: invalid choice: 'extreme'")


def test_a_v41_file_is_named_in_inspect_and_chat(tmp_path: Path) -> None:
    path = write_raw_gguf(tmp_path / "DeepSeek-V4.1-Flash-Q2_K.gguf",
                          {"general.architecture": "deepseek41"},
                          [("token_embd.weight", (32, 8), 0)])
    result = cli("inspect", path)
    assert result.stdout.splitlines()[0].startswith("DeepSeek-V4.1-Flash  (deepseek41, ")
    assert_clean_failure(result, "holds DeepSeek-V4.1-Flash (architecture 'deepseek41'), a "
                                 "DeepSeek model newer than the llama.cpp inside this app")
    assert_clean_failure(cli("chat", path, "hi"), "It needs a newer llama.cpp")
