"""`python -m app chat --server ...` in a subprocess, against the scripted server on 127.0.0.1:
the same JSON lines as a local chat, and one clear line for every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_cli import assert_clean_failure, cli
from tests.support.fake_openai import API_KEY, FakeOpenAI

KEY_ENV = "DEEPSEEK_LOCAL_TEST_KEY"
STATS_KEYS = {"type", "prompt_tokens", "cached_tokens", "completion_tokens", "ttft_s", "prompt_tps",
              "decode_tps", "finish_reason"}


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, API_KEY)
    return KEY_ENV


def lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_lines_from_a_model_pair(fake_openai: FakeOpenAI, api_key: str) -> None:
    result = cli("chat", "--server", fake_openai.url, "--api-key-env", api_key, "--model",
                 "deepseek-chat", "--thinking-model", "deepseek-reasoner", "--think", "--json",
                 "What is 2+2?")
    assert result.returncode == 0, result.stderr
    events = lines(result.stdout)
    assert events[:-1] == [
        {"type": "reasoning", "text": "Let me"}, {"type": "reasoning", "text": " think."},
        {"type": "answer", "text": "The answer "}, {"type": "answer", "text": "is **4**."}]
    stats = events[-1]
    assert set(stats) == STATS_KEYS  # the local chat's stats line, key for key
    assert (stats["type"], stats["prompt_tokens"], stats["completion_tokens"],
            stats["finish_reason"]) == ("stats", 12, 9, "stop")
    request = fake_openai.chat_requests()[-1]
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.body is not None and request.body["model"] == "deepseek-reasoner"
    assert request.body["messages"] == [{"role": "user", "content": "What is 2+2?"}]


def test_think_uses_the_template_switch(fake_openai: FakeOpenAI, api_key: str) -> None:
    result = cli("chat", "--server", fake_openai.url, "--api-key-env", api_key, "--model",
                 "v3.1", "--think", "--json", "--max-tokens", "50", "Hi")
    assert result.returncode == 0, result.stderr
    texts = {kind: "".join(str(e["text"]) for e in lines(result.stdout) if e["type"] == kind)
             for kind in ("reasoning", "answer")}
    assert texts == {"reasoning": "Let me see.", "answer": "The answer is 4."}
    body = fake_openai.chat_requests()[-1].body
    assert body is not None and body["max_tokens"] == 50
    assert body["chat_template_kwargs"] == {"thinking": True, "enable_thinking": True}


def test_human_output(fake_openai: FakeOpenAI, api_key: str) -> None:
    result = cli("chat", "--server", fake_openai.url, "--api-key-env", api_key, "--model",
                 "deepseek-reasoner", "Hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Thinking…\n\nLet me think.\n\n---\n\nThe answer is **4**.\n"
    assert result.stderr.startswith("[9 tokens, ")


def test_bad_input_is_one_line(fake_openai: FakeOpenAI, api_key: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    url = fake_openai.url
    assert_clean_failure(cli("chat", "--server", url, "Hi"),
                         "deepseek-local: --server needs --model NAME (the model's name on the "
                         "server).")
    monkeypatch.delenv(KEY_ENV)
    assert_clean_failure(cli("chat", "--server", url, "--api-key-env", KEY_ENV, "--model", "m",
                             "Hi"),
                         f"deepseek-local: The environment variable {KEY_ENV} is not set; it "
                         f"should hold the API key for {url}.")
    assert_clean_failure(cli("chat", "--server", url, "--model", "m", "model.gguf", "Hi"),
                         "deepseek-local: With --server, give only the PROMPT; name the model "
                         "with --model NAME.")
    assert_clean_failure(cli("chat", "--server", "gpu-box:8000", "--model", "m", "Hi"),
                         "deepseek-local: 'gpu-box:8000' is not a server address")
    assert_clean_failure(cli("chat", "--model", "m", "Hi"),
                         "deepseek-local: --model, --api-key-env and --thinking-model go with "
                         "--server URL; for a local model give its GGUF file.")
    assert_clean_failure(cli("chat", "model.gguf"),
                         "deepseek-local: chat needs a MODEL file and a PROMPT (or --server URL "
                         "--model NAME PROMPT).")
    port = url.split(":")[2].split("/")[0]
    assert_clean_failure(cli("chat", "--server", url, "--model", "deepseek-chat", "Hi"),
                         f"deepseek-local: 127.0.0.1:{port} needs an API key (HTTP 401). Set "
                         "one for this connection.")


def test_attachments_and_the_system_prompt_reach_the_server(
        fake_openai: FakeOpenAI, api_key: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Plan\nship it", encoding="utf-8")
    result = cli("chat", "--server", fake_openai.url, "--api-key-env", api_key, "--model",
                 "deepseek-chat", "--json", "--system", "Be brief.", "--attach", notes,
                 "Summarize")
    assert result.returncode == 0, result.stderr
    body = fake_openai.chat_requests()[-1].body
    assert body is not None and body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "[file name]: notes.md\n[file content begin]\n# Plan\nship it"
                                    "\n[file content end]\nSummarize"}]
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert_clean_failure(cli("chat", "--server", fake_openai.url, "--model", "deepseek-chat",
                             "--attach", image, "Hi"),
                         "cat.png is an image, and this model cannot see images.")
