"""`python -m app serve MODEL` in a child process, on 127.0.0.1, against the official `openai`
client (and curl's equivalent, raw HTTP, where the client hides the wire): reasoning in
`reasoning_content`, streams and usage, stop and max_tokens, thinking switches, keys, errors,
disconnects, queueing, Ctrl+C, and bad input.

The models are scripted (tests/support/tiny_model.py): R1 reasons "WHY" and answers "BLUE",
token by token (one token per character), whatever the temperature; the endless one writes
"abab…" until its 65,536-token context is full.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openai
import pytest

from tests.integration.test_cli import assert_clean_failure, cli
from tests.support.serve_process import ServeProcess, serving

KEY = "sk-serve-test-0123456789"
KEY_ENV = "DEEPSEEK_LOCAL_SERVE_KEY"
HI = [{"role": "user", "content": "What is 2+2?"}]


def http_get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def http_post(url: str, **kw: object) -> httpx.Response:
    return httpx.post(url, timeout=30, **kw)  # type: ignore[arg-type]


_clients: list[openai.OpenAI] = []


def client(url: str, key: str = "none") -> openai.OpenAI:
    """The reference client, without its retries (a 429 must show)."""
    made = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=30)
    _clients.append(made)
    return made


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


@pytest.fixture(scope="module")
def r1(scripted_r1: Path) -> Iterator[ServeProcess]:
    with serving(scripted_r1, "--ctx", "512") as server:
        yield server


@pytest.fixture(scope="module")
def endless(endless_r1: Path) -> Iterator[ServeProcess]:
    with serving(endless_r1, "--ctx", "65536", "--queue", "0") as server:
        yield server


def stream_texts(stream: openai.Stream) -> tuple[str, str, list[object]]:  # type: ignore[type-arg]
    reasoning, content, chunks = "", "", []
    for chunk in stream:
        chunks.append(chunk)
        for choice in chunk.choices:
            reasoning += getattr(choice.delta, "reasoning_content", None) or ""
            content += choice.delta.content or ""
    return reasoning, content, chunks


# -- answers ------------------------------------------------------------------------------------


def test_reasoning_and_answer_are_split(r1: ServeProcess) -> None:
    assert r1.name == "DeepSeek-R1"
    answer = client(r1.url).chat.completions.create(model="DeepSeek-R1", messages=HI)  # type: ignore[arg-type]
    message = answer.choices[0].message
    assert (message.reasoning_content, message.content) == ("WHY", "BLUE")  # type: ignore[attr-defined]
    assert answer.choices[0].finish_reason == "stop"
    assert answer.model == "DeepSeek-R1" and answer.object == "chat.completion"
    usage = answer.usage
    assert usage is not None
    # W H Y </think> B L U E: eight tokens; the end-of-turn token is not counted.
    assert (usage.completion_tokens, usage.total_tokens) == (8, usage.prompt_tokens + 8)


def test_a_stream_splits_too_and_ends_with_usage(r1: ServeProcess) -> None:
    stream = client(r1.url).chat.completions.create(
        model="DeepSeek-R1", messages=HI, stream=True,  # type: ignore[arg-type]
        stream_options={"include_usage": True})
    reasoning, content, chunks = stream_texts(stream)
    assert (reasoning, content) == ("WHY", "BLUE")
    first, *middle, last_choice, usage_chunk = chunks
    assert first.choices[0].delta.role == "assistant"  # type: ignore[attr-defined]
    # Reasoning chunks, then answer chunks (tokens that came within 50 ms share one); never
    # a chunk with both, never inline <think>.
    kinds = []
    for chunk in middle:
        delta = chunk.choices[0].delta  # type: ignore[attr-defined]
        reasoning_part = getattr(delta, "reasoning_content", None)
        assert (reasoning_part is None) != (delta.content is None)
        kinds.append("answer" if reasoning_part is None else "reasoning")
    assert set(kinds) == {"reasoning", "answer"}
    assert kinds == sorted(kinds, key=lambda kind: kind == "answer")
    assert last_choice.choices[0].finish_reason == "stop"  # type: ignore[attr-defined]
    assert usage_chunk.choices == [] and usage_chunk.usage.completion_tokens == 8  # type: ignore[attr-defined]
    assert all(c.usage is None for c in chunks[:-1])  # type: ignore[attr-defined]


def test_stop_sequences_and_max_tokens(r1: ServeProcess) -> None:
    api = client(r1.url)
    stopped = api.chat.completions.create(model="DeepSeek-R1", messages=HI, stop=["LU"])  # type: ignore[arg-type]
    assert (stopped.choices[0].message.content, stopped.choices[0].finish_reason) == ("B", "stop")
    assert stopped.choices[0].message.reasoning_content == "WHY"  # type: ignore[attr-defined]
    reasoning, content, chunks = stream_texts(api.chat.completions.create(
        model="DeepSeek-R1", messages=HI, stream=True, stop="U"))  # type: ignore[arg-type]
    assert (reasoning, content) == ("WHY", "BL")
    assert chunks[-1].choices[0].finish_reason == "stop"  # type: ignore[attr-defined]
    short = api.chat.completions.create(model="DeepSeek-R1", messages=HI, max_tokens=2)  # type: ignore[arg-type]
    assert (short.choices[0].message.reasoning_content, short.choices[0].message.content,  # type: ignore[attr-defined]
            short.choices[0].finish_reason) == ("WH", "", "length")
    newer = api.chat.completions.create(model="DeepSeek-R1", messages=HI,  # type: ignore[arg-type]
                                        max_completion_tokens=6)
    assert newer.choices[0].message.content == "BL" and newer.usage.completion_tokens == 6  # type: ignore[union-attr]


def test_r1_always_thinks(r1: ServeProcess) -> None:
    answer = client(r1.url).chat.completions.create(
        model="deepseek-r1", messages=HI, extra_body={"thinking": {"type": "disabled"}})  # type: ignore[arg-type]
    assert answer.choices[0].message.reasoning_content == "WHY"  # type: ignore[attr-defined]


def test_past_reasoning_sent_back_is_dropped(r1: ServeProcess) -> None:
    api = client(r1.url)
    plain = [*HI, {"role": "assistant", "content": "BLUE"}, {"role": "user", "content": "And?"}]
    with_reasoning = [*HI, {"role": "assistant", "content": "<think>WHY</think>BLUE",
                            "reasoning_content": "WHY, at length"},
                      {"role": "user", "content": "And?"}]
    counts = [api.chat.completions.create(model="DeepSeek-R1", messages=m).usage.prompt_tokens  # type: ignore[arg-type,union-attr]
              for m in (plain, with_reasoning)]
    assert counts[0] == counts[1]


@pytest.mark.parametrize(("switch", "thinks"), [
    ({}, False),  # a hybrid model answers directly unless asked, as DeepSeek's API does
    ({"thinking": {"type": "enabled"}}, True),
    ({"thinking": {"type": "disabled"}}, False),
    ({"chat_template_kwargs": {"thinking": True}}, True),
    ({"chat_template_kwargs": {"enable_thinking": True}}, True),
    ({"chat_template_kwargs": {"enable_thinking": False}}, False),
    ({"reasoning_effort": "high"}, True),
    ({"reasoning_effort": "none"}, False),
])
def test_thinking_switches_on_a_hybrid_model(v31: ServeProcess, switch: dict[str, object],
                                             thinks: bool) -> None:
    answer = client(v31.url).chat.completions.create(model=v31.name, messages=HI,  # type: ignore[arg-type]
                                                    extra_body=switch)
    message = answer.choices[0].message
    assert message.content == "BLUE"
    assert message.reasoning_content == ("WHY" if thinks else None)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def v31(scripted_v31: Path) -> Iterator[ServeProcess]:
    with serving(scripted_v31, "--model-name", "my-v3.1") as server:
        yield server


def test_v3_never_thinks(scripted_v3: Path) -> None:
    with serving(scripted_v3) as v3:
        answer = client(v3.url).chat.completions.create(
            model=v3.name, messages=HI, extra_body={"thinking": {"type": "enabled"}})  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "BLUE"
    assert answer.choices[0].message.reasoning_content is None  # type: ignore[attr-defined]


def test_models_and_health(v31: ServeProcess) -> None:
    assert v31.name == "my-v3.1"
    models = client(v31.url).models.list()
    assert [(m.id, m.owned_by) for m in models.data] == [("my-v3.1", "deepseek-local")]
    assert client(v31.url).models.retrieve("my-v3.1").id == "my-v3.1"
    health = http_get(v31.url.removesuffix("/v1") + "/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


# -- keys and errors ----------------------------------------------------------------------------


def test_a_key_is_required_when_set(scripted_r1: Path) -> None:
    with serving(scripted_r1, "--api-key-env", KEY_ENV, env={KEY_ENV: KEY}) as keyed:
        missing = http_get(keyed.url + "/models")  # the openai client always sends one
        assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (401, "Bearer")
        assert missing.json()["error"] == {
            "message": "This server needs an API key: send it as 'Authorization: Bearer KEY'.",
            "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}
        with pytest.raises(openai.AuthenticationError) as wrong:
            client(keyed.url, key="sk-wrong").chat.completions.create(model="DeepSeek-R1",
                                                                      messages=HI)  # type: ignore[arg-type]
        assert wrong.value.body["message"].startswith("Incorrect API key.")  # type: ignore[index]
        answer = client(keyed.url, key=KEY).chat.completions.create(model="DeepSeek-R1",
                                                                    messages=HI)  # type: ignore[arg-type]
        assert answer.choices[0].message.content == "BLUE"
        assert http_get(keyed.url.removesuffix("/v1") + "/health").status_code == 200
    assert KEY not in keyed.stderr


def test_errors_in_openais_format(r1: ServeProcess) -> None:
    api = client(r1.url)
    with pytest.raises(openai.NotFoundError) as unknown:
        api.chat.completions.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]
    assert unknown.value.body["message"] == ("The model 'gpt-4o' does not exist. This server "  # type: ignore[index]
                                             "serves 'DeepSeek-R1'.")
    assert unknown.value.body["code"] == "model_not_found"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as hot:
        api.chat.completions.create(model="DeepSeek-R1", messages=HI, temperature=3)  # type: ignore[arg-type]
    assert hot.value.body["message"] == "'temperature' must be a number from 0 to 2; got 3."  # type: ignore[index]
    assert hot.value.body["param"] == "temperature"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as last:
        api.chat.completions.create(model="DeepSeek-R1", messages=[  # type: ignore[arg-type]
            *HI, {"role": "assistant", "content": "BLUE"}])
    assert "The last message must come from the user" in last.value.message
    with pytest.raises(openai.BadRequestError) as image:
        api.chat.completions.create(model="DeepSeek-R1", messages=[{"role": "user", "content": [  # type: ignore[arg-type,list-item,misc]
            {"type": "image_url", "image_url": {"url": "data:,"}}]}])
    assert "only text is supported (got type 'image_url')" in image.value.message
    # A prompt longer than the context: a 400 with the counts, also for a stream.
    long = [{"role": "user", "content": "the quick brown fox " * 200}]
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as overflow:
            api.chat.completions.create(model="DeepSeek-R1", messages=long, stream=stream)  # type: ignore[arg-type,call-overload]
        assert overflow.value.body["code"] == "context_length_exceeded"  # type: ignore[index]
        assert re.fullmatch(r"This model's context is 512 tokens, but the messages take \d+ "
                            r"tokens\. Shorten them, or load the model with a larger context\.",
                            overflow.value.body["message"])  # type: ignore[index]


def test_raw_http_errors(r1: ServeProcess) -> None:
    """What curl sees: JSON errors everywhere, a body cap, no prompt text in the log."""
    base = r1.url.removesuffix("/v1")
    nowhere = http_get(base + "/v2/models")
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "not_found"
    huge = http_post(r1.url + "/chat/completions", content=b"x" * (17 << 20),
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    assert huge.json()["error"]["message"] == "The request body is larger than 16 MiB."
    broken = http_post(r1.url + "/chat/completions", content=b"{not json")
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]["message"]
    secret = "my secret question"
    ok = http_post(r1.url + "/chat/completions",
                    json={"messages": [{"role": "user", "content": secret}]})  # no model: the one
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] == "BLUE"
    r1.wait_for_answers(1)
    assert secret not in r1.stderr and "BLUE" not in r1.stderr


# -- one engine, several clients ----------------------------------------------------------------


def test_two_clients_at_once_are_both_answered(r1: ServeProcess) -> None:
    results: list[tuple[str, str]] = []

    def ask() -> None:
        answer = client(r1.url).chat.completions.create(model="DeepSeek-R1", messages=HI)  # type: ignore[arg-type]
        results.append((answer.choices[0].message.reasoning_content,  # type: ignore[attr-defined]
                        answer.choices[0].message.content or ""))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [("WHY", "BLUE"), ("WHY", "BLUE")]


def test_a_client_that_leaves_stops_its_generation(endless: ServeProcess) -> None:
    before = len(endless.answers())
    stream = client(endless.url).chat.completions.create(
        model="DeepSeek-R1", messages=HI, stream=True)  # type: ignore[arg-type]
    seen = 0
    for chunk in stream:
        seen += len(getattr(chunk.choices[0].delta, "reasoning_content", None) or "")
        if seen >= 5:
            break
    stream.close()
    line = endless.wait_for_answers(before + 1)[-1]
    match = re.search(r"(\d+) tokens, [\d.]+ tok/s, cancelled$", line)
    assert match is not None, line
    # The context holds 65,536 tokens; the engine stopped as soon as the client left.
    assert int(match.group(1)) < 2000
    # ...and is free for the next client at once (the queue holds no one behind it).
    short = client(endless.url).chat.completions.create(model="DeepSeek-R1", messages=HI,  # type: ignore[arg-type]
                                                       max_tokens=4)
    assert short.choices[0].message.reasoning_content == "abab"  # type: ignore[attr-defined]


def test_a_second_client_gets_429_when_the_queue_is_full(endless: ServeProcess) -> None:
    stream = client(endless.url).chat.completions.create(
        model="DeepSeek-R1", messages=HI, stream=True)  # type: ignore[arg-type]
    next(iter(stream))
    with pytest.raises(openai.RateLimitError) as busy:
        client(endless.url).chat.completions.create(model="DeepSeek-R1", messages=HI)  # type: ignore[arg-type]
    stream.close()
    assert busy.value.body["message"] == ("The model is busy: one request is being answered "  # type: ignore[index]
                                          "and 0 wait behind it. Try again in a moment.")
    assert busy.value.response.headers["Retry-After"] == "2"


def test_ctrl_c_mid_request_exits_within_2_s(endless_r1: Path) -> None:
    server = ServeProcess(endless_r1, "--ctx", "65536")
    try:
        stream = client(server.url).chat.completions.create(
            model="DeepSeek-R1", messages=HI, stream=True)  # type: ignore[arg-type]
        next(iter(stream))
        code, seconds = server.interrupt()
        assert (code, seconds < 2.0) == (130, True), server.stderr
        assert "Traceback" not in server.stderr
        stream.close()
    finally:
        server.stop()


# -- bad input ----------------------------------------------------------------------------------


def test_bad_input_is_one_line_and_exit_2(scripted_r1: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere.gguf"
    assert_clean_failure(cli("serve", missing), "nowhere.gguf")
    page = tmp_path / "model.gguf"
    page.write_text("<!DOCTYPE html><html>Not found</html>")
    assert_clean_failure(cli("serve", page), "model.gguf")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_clean_failure(cli("serve", scripted_r1, "--port", str(port)),
                             f"deepseek-local: Port {port} on 127.0.0.1 is already in use by "
                             "another program. Choose another port, or stop that program.")
    assert_clean_failure(cli("serve", scripted_r1, "--host", "0.0.0.0"),
                         "deepseek-local: Serving other devices (0.0.0.0) needs an API key, or "
                         "anyone on the network could use this computer's model. Set a key, "
                         "or serve this computer only (127.0.0.1).")
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert_clean_failure(cli("serve", scripted_r1, "--api-key-env", KEY_ENV),
                         f"deepseek-local: The environment variable {KEY_ENV} is not set; it "
                         "should hold the API key clients must send.")
    assert_clean_failure(cli("serve", scripted_r1, "--port", "70000"),
                         "deepseek-local: The port must be a number from 1 to 65535, not 70000.")


def test_options_first_and_every_interface_with_a_key(scripted_r1: Path) -> None:
    with serving("--api-key-env", KEY_ENV, "--host", "0.0.0.0", "--model-name", "r1",
                 "--cors-origin", "http://localhost:3000", scripted_r1,
                 env={KEY_ENV: KEY}) as lan:
        assert lan.url.startswith("http://127.0.0.1:")  # this computer reaches it there too
        answer = client(lan.url, key=KEY).chat.completions.create(model="r1", messages=HI)  # type: ignore[arg-type]
        assert answer.choices[0].message.content == "BLUE"
        # A browser page from a listed origin may call it (the preflight needs no key)...
        preflight = {"Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization, content-type"}
        allowed = httpx.options(lan.url + "/chat/completions", timeout=30, headers={
            "Origin": "http://localhost:3000", **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
        # ...one from anywhere else may not.
        other = httpx.options(lan.url + "/chat/completions", timeout=30, headers={
            "Origin": "http://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
    assert "Clients need the API key (Authorization: Bearer KEY)." in lan.stderr


def test_no_web_page_may_call_it_unless_listed(r1: ServeProcess) -> None:
    answer = http_post(r1.url + "/chat/completions", json={"messages": HI},
                       headers={"Origin": "http://localhost:3000"})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers
