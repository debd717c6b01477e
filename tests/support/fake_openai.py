"""A scripted OpenAI-compatible server on 127.0.0.1 (stdlib `http.server`, a thread per request).

The model name in the request picks the script: reasoning in `reasoning_content`, inline think
tags, a V3.1-style template switch, errors (401, 404 model, 429, 5xx), a stream cut mid-answer,
malformed data, and a slow stream that notices when the client goes away.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "sk-test-0123456789abcdef"
MODELS = ("deepseek-chat", "deepseek-reasoner", "v3.1", "inline-r1", "length", "cut",
          "malformed", "no-choices", "error-event", "slow", "rate-limited", "rate-limited-later",
          "flaky", "broken", "html", "split-utf8", "deepseek-v4-flash", "tool-markup")


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, object] | None


@dataclass
class FakeOpenAI:
    slow_interval: float = 0.3
    requests: list[Recorded] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)
    flaky_failures: int = 2  # "flaky" answers 503 this many times first
    _server: ThreadingHTTPServer | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-openai",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def take_flaky(self) -> bool:
        """True while "flaky" should still fail."""
        with self._lock:
            if self.flaky_failures > 0:
                self.flaky_failures -= 1
                return True
            return False


def chunk(content: str | None = None, reasoning: str | None = None,
          finish: str | None = None) -> dict[str, object]:
    delta: dict[str, object] = {}
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta["reasoning_content"] = reasoning
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def usage(prompt: int, completion: int, cached: int = 0) -> dict[str, object]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": cached}}}


def script(model: str, body: dict[str, object]) -> Iterator[dict[str, object] | str]:
    """The events of a scripted answer: dicts are sent as JSON, strings as raw data."""
    if model == "deepseek-reasoner":
        yield chunk(content=None, reasoning="")
        for piece in ("\n", "Let me ", "think.", "\n\n"):
            yield chunk(reasoning=piece)
        for piece in ("The answer ", "is **4**."):
            yield chunk(content=piece)
        yield chunk(finish="stop")
        yield usage(12, 9, cached=4)
    elif model == "v3.1":
        kwargs = body.get("chat_template_kwargs") or {}
        assert isinstance(kwargs, dict)
        # The template opened <think> itself: the text starts inside the block.
        pieces = (["Let me ", "see.", "</th", "ink>", "\n\n", "The answer is 4."]
                  if kwargs.get("thinking") else ["The answer is 4."])
        for piece in pieces:
            yield chunk(content=piece)
        yield chunk(finish="stop")
    elif model == "inline-r1":
        for piece in ("<thi", "nk>\n", "Step one.", "\n</think>", "\n\nAnswer."):
            yield chunk(content=piece)
        yield chunk(finish="stop")
    elif model == "length":
        yield chunk(content="Too long")
        yield chunk(finish="length")
    elif model == "cut":
        yield chunk(content="Partial ")
        yield chunk(content="answer")
    elif model == "malformed":
        yield chunk(content="Fine so far")
        yield '{"choices": [{"delta": {"content": "oops"'
    elif model == "no-choices":
        yield {"object": "chat.completion.chunk", "id": "x"}
    elif model == "error-event":
        yield chunk(content="Start")
        yield {"error": {"message": "CUDA out of memory", "type": "server_error"}}
    elif model == "deepseek-v4-flash":  # DeepSeek's API: a `thinking` switch, on by default
        switch = body.get("thinking") or {"type": "enabled"}
        assert isinstance(switch, dict)
        if switch.get("type") == "enabled":
            yield chunk(reasoning=f"Effort {body.get('reasoning_effort', 'default')}.")
        yield chunk(content="The answer is 4.")
        yield chunk(finish="stop")
    elif model == "tool-markup":  # a server without a tool parser passes DSML on as text
        for piece in ("Let me check.\n\n<｜DSML｜tool", "_calls>\n<｜DSML｜invoke name=\"get_",
                      "weather\">\n<｜DSML｜parameter name=\"city\" string=\"true\">Paris"
                      "</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>"):
            yield chunk(content=piece)
        yield chunk(finish="stop")
    elif model == "split-utf8":
        yield chunk(content="深度")
        yield chunk(content="思考")
        yield chunk(finish="stop")
    else:  # deepseek-chat, flaky
        for piece in ("Hello", " there."):
            yield chunk(content=piece)
        yield chunk(finish="stop")
        yield usage(5, 2)
    if model not in ("cut", "malformed"):
        yield "[DONE]"


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeOpenAI

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._record(None)
        if not self._authorized():
            return
        if self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": m, "object": "model"}
                                                        for m in MODELS]})
        else:
            self._json(404, {"error": {"message": f"No route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self._record(body)
        if not self._authorized():
            return
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"No route {self.path}"}})
            return
        model = str(body.get("model"))
        state = self.server_state
        if model not in MODELS:
            self._json(404, {"error": {"message": f"The model `{model}` does not exist.",
                                       "type": "invalid_request_error",
                                       "code": "model_not_found"}})
        elif model == "rate-limited":
            self._json(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "7"})
        elif model == "rate-limited-later":
            self._json(429, {"error": {"message": "Rate limit reached"}})
        elif model == "broken" or (model == "flaky" and state.take_flaky()):
            self._json(503, {"error": {"message": "CUDA out of memory"}})
        elif model == "html":
            self._send(200, b"<html>hello</html>", "text/html")
        elif model == "slow":
            self._slow()
        else:
            self._stream(script(model, body))

    # -- helpers ----------------------------------------------------------------------------

    def _record(self, body: dict[str, object] | None) -> None:
        self.server_state.requests.append(
            Recorded(self.command, self.path, dict(self.headers.items()), body))

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {API_KEY}":
            return True
        self._json(401, {"error": {"message": "Authentication Fails, Your api key is invalid",
                                   "type": "authentication_error"}})
        return False

    def _json(self, status: int, value: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()  # HTTP/1.0: the body ends when the connection closes

    def _stream(self, events: Iterator[dict[str, object] | str]) -> None:
        self._start_stream()
        self.wfile.write(b": keep-alive comment\n\n")
        for event in events:
            data = event if isinstance(event, str) else json.dumps(event, ensure_ascii=False)
            self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()

    def _slow(self) -> None:
        state = self.server_state
        self._start_stream()
        try:
            for i in range(400):
                if state._stopping.is_set():
                    return
                if self._client_gone():
                    state.disconnected.set()
                    return
                self.wfile.write(f"data: {json.dumps(chunk(content=f'tick {i} '))}\n\n".encode())
                self.wfile.flush()
                deadline = time.monotonic() + state.slow_interval
                while time.monotonic() < deadline and not self._client_gone(0.01):
                    pass
        except OSError:  # broken pipe, reset: the client left
            state.disconnected.set()
            return
        if self._client_gone():
            state.disconnected.set()

    def _client_gone(self, wait: float = 0.0) -> bool:
        """The client sent nothing after its request, so readable now means it hung up."""
        sock: socket.socket = self.connection
        readable, _, _ = select.select([sock], [], [], wait)
        if not readable:
            return False
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
