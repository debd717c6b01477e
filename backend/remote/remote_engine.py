"""The remote engine: a chat answered by an OpenAI-compatible server (vLLM, SGLang, llama.cpp's
server, DeepSeek's API) over `POST /chat/completions` with `stream: true`.

Lifecycle of one `chat`: build the request (answers only, never past reasoning; Deep thinking as
the connection maps it), send it with retries until the stream starts, then read server-sent
events line by line and turn each chunk into deltas (`chunks`). `cancel()` (any thread),
or setting the request's own `cancel` flag, shuts the socket down: the stream ends at once with
`FinishReason.CANCELLED`, and the server sees the client leave.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass

from backend.chat.attachments import user_turn
from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    GenerationStats,
    Heartbeat,
    ReasoningDelta,
    StreamEvent,
)
from backend.chat.messages import ChatMessage, ChatRequest, Role
from backend.chat.tool_calls import ToolCallFilter, split_tool_blocks
from backend.errors import AppError, GenerationError, ThinkingUnsupportedError
from backend.i18n import translate
from backend.remote.chunks import ChunkDecoder, MalformedChunk, ServerReportedError, finish_reason
from backend.remote.connections import Connection, ThinkingControl
from backend.remote.http_client import (
    DEFAULT_BACKOFF,
    MAX_EVENT,
    Abort,
    EventTooLarge,
    HttpClient,
    HttpStatusError,
    RequestCancelled,
    Response,
    StreamCut,
)
from backend.remote.remote_errors import (
    KeyRejectedError,
    MalformedStreamError,
    RateLimitedError,
    RemoteError,
    RemoteModelNotFoundError,
    RemoteTimeoutError,
    ServerError,
    StreamCutError,
)
from backend.retry import Backoff

log = logging.getLogger(__name__)

MAX_MODEL_LIST = 8 << 20
_WATCH_INTERVAL = 0.02  # how often a request's own cancel flag is looked at while blocked
_MODEL_MISSING = re.compile(r"model.*(not exist|does not exist|not found|unknown|no such)"
                            r"|(unknown|invalid) model", re.IGNORECASE | re.DOTALL)
_SHOWN_MODELS = 5

HEARTBEAT = Heartbeat()


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What "Test" found: the server's models and how fast a one-token answer starts."""

    models: tuple[str, ...]
    ttft_s: float
    unlisted: tuple[str, ...] = ()  # the connection's models the server does not list

    def __str__(self) -> str:
        count = len(self.models)
        shown = ", ".join(self.models[:3]) + (", …" if count > 3 else "")
        if self.unlisted and count == 1:
            text = translate("RemoteEngine", "Connected: {count} model ({shown}); first token in "
                             "{ttft:.2f} s. Not in the server's list: {unlisted}.")
        elif self.unlisted:
            text = translate("RemoteEngine", "Connected: {count} models ({shown}); first token in "
                             "{ttft:.2f} s. Not in the server's list: {unlisted}.")
        elif count == 1:
            text = translate("RemoteEngine",
                             "Connected: {count} model ({shown}); first token in {ttft:.2f} s.")
        else:
            text = translate("RemoteEngine",
                             "Connected: {count} models ({shown}); first token in {ttft:.2f} s.")
        return text.format(count=count, shown=shown, ttft=self.ttft_s,
                           unlisted=", ".join(self.unlisted))


class RemoteEngine:
    """An OpenAI-compatible server. Implements `backend.chat.Engine`; needs no load.

    `chat` may run on one thread while `cancel` is called from another; several `chat`s may run
    at once. `extra_body` is merged into every request (server-specific options such as
    vLLM's `top_k`).
    """

    def __init__(self, connection: Connection, *, backoff: Backoff = DEFAULT_BACKOFF,
                 extra_body: Mapping[str, object] | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.connection = connection
        self._client = HttpClient(connection.endpoint, api_key=connection.api_key,
                                  timeouts=connection.timeouts, backoff=backoff)
        self._extra = dict(extra_body or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._running: set[Abort] = set()

    def __repr__(self) -> str:
        return f"RemoteEngine({self.connection!r})"

    # -- Engine -----------------------------------------------------------------------------

    def cancel(self) -> None:
        """Close every running stream of this engine at once. Safe from any thread."""
        with self._lock:
            running = list(self._running)
        for abort in running:
            abort.set()

    def chat(self, request: ChatRequest, *, cancel: threading.Event | None = None
             ) -> Iterator[StreamEvent]:
        thinking = self.connection.thinking
        if request.continue_reasoning:
            raise GenerationError(translate(
                "RemoteEngine", "{connection} cannot go on from where an answer stopped "
                "thinking: OpenAI-compatible servers have no way to continue one. Regenerate "
                "the answer instead.").format(connection=self.connection.label))
        if request.deep_thinking and thinking is ThinkingControl.NEVER:
            raise ThinkingUnsupportedError(translate(
                "RemoteEngine", "{connection} is set up without deep thinking. Turn off deep "
                "thinking, or change how this connection switches thinking."
            ).format(connection=self.connection.label))
        abort = self._start(cancel)
        tools = ToolCallFilter()  # a server may pass tool-call markup on as text: never show it
        try:
            for event in self._stream(request, abort, cancel):
                if isinstance(event, ReasoningDelta | AnswerDelta):
                    yield from tools.feed(event) or (HEARTBEAT,)
                    continue
                if isinstance(event, Finished):
                    yield from tools.finish()
                yield event
        except AppError:
            yield from tools.finish()  # what came before the failure is kept, as it came
            raise
        finally:
            self._end(abort)

    # -- connection test --------------------------------------------------------------------

    def list_models(self) -> list[str]:
        """The model names the server offers (`GET /models`)."""
        abort = self._start(None)
        try:
            return self._list_models(abort)
        finally:
            self._end(abort)

    def check(self) -> ConnectionCheck:
        """List the models, then time the first token of a one-token answer."""
        models = self.list_models()
        probe = ChatRequest(messages=(ChatMessage(Role.USER, "Hi"),), deep_thinking=False,
                            max_tokens=1)
        ttft = 0.0
        for event in self.chat(probe):
            if isinstance(event, Finished):
                ttft = event.stats.ttft_s
        wanted = dict.fromkeys([self.connection.model_for(False), self.connection.model_for(True)])
        return ConnectionCheck(tuple(models), ttft, tuple(m for m in wanted if m not in models))

    # -- internals --------------------------------------------------------------------------

    def _start(self, cancel: threading.Event | None) -> Abort:
        abort = Abort()
        with self._lock:
            self._running.add(abort)
        if cancel is not None and cancel.is_set():
            abort.set()
        elif cancel is not None:
            # The request's own flag closes the socket too, not only the next chunk.
            threading.Thread(target=_watch, args=(cancel, abort), name="remote-cancel",
                             daemon=True).start()
        return abort

    def _end(self, abort: Abort) -> None:
        with self._lock:
            self._running.discard(abort)
        abort.finish()  # ends the watcher

    def _payload(self, request: ChatRequest) -> dict[str, object]:
        c = self.connection
        payload: dict[str, object] = {
            "model": c.model_for(request.deep_thinking),
            "messages": [_message(m) for m in request.messages
                         if m.role is not Role.SYSTEM or m.content.strip()],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        effort = request.reasoning_effort if request.deep_thinking else None
        if c.thinking is ThinkingControl.TEMPLATE:
            flag = request.deep_thinking
            kwargs: dict[str, object] = {"thinking": flag, "enable_thinking": flag}
            if effort:
                kwargs["reasoning_effort"] = effort  # V4's templates read it
            payload["chat_template_kwargs"] = kwargs
        elif c.thinking is ThinkingControl.API_SWITCH:
            enabled = "enabled" if request.deep_thinking else "disabled"
            payload["thinking"] = {"type": enabled}  # the API's default is on: always say
            if effort:
                payload["reasoning_effort"] = effort
        if request.max_tokens is not None:
            payload["max_tokens"] = request.max_tokens
        if request.seed is not None:
            payload["seed"] = request.seed
        if request.sampling is not None:
            payload["temperature"] = request.sampling.temperature
            payload["top_p"] = request.sampling.top_p
        payload.update(self._extra)
        return payload

    def _stream(self, request: ChatRequest, abort: Abort, cancel: threading.Event | None
                ) -> Iterator[StreamEvent]:
        started = self._clock()
        opened = request.deep_thinking and self.connection.thinking is not ThinkingControl.NEVER
        decoder = ChunkDecoder(opened_think=opened, clock=self._clock)
        payload = self._payload(request)
        model = str(payload["model"])
        try:
            response = self._client.request("POST", "/chat/completions", payload, abort,
                                            accept="text/event-stream")
        except RequestCancelled:
            yield Finished(self._stats(decoder, started, FinishReason.CANCELLED))
            return
        except HttpStatusError as exc:
            raise self._status_error(exc, model, abort) from None
        with response:
            reason = yield from self._read(response, decoder, abort, cancel)
        yield from decoder.finish()
        yield Finished(self._stats(decoder, started, reason))

    def _read(self, response: Response, decoder: ChunkDecoder, abort: Abort,
              cancel: threading.Event | None) -> Generator[StreamEvent, None, FinishReason]:
        """Yield the deltas of the stream; return how it finished."""
        name = self.connection.name
        if response.content_type not in ("text/event-stream", ""):
            raise MalformedStreamError(translate(
                "RemoteEngine", "{name} answered with {content_type} instead of an event stream. "
                "Check the base URL ({url})."
            ).format(name=name, content_type=response.content_type,
                     url=self.connection.endpoint.url()))
        events = response.events()
        while True:
            try:
                kind, data = next(events)
            except StopIteration:
                break
            except StreamCut as cut:
                if abort.is_set():
                    return FinishReason.CANCELLED
                yield from decoder.finish()
                raise self._cut_error(cut) from None
            except EventTooLarge:
                raise self._malformed(translate(
                    "RemoteEngine", "an event is longer than {mib} MiB"
                ).format(mib=MAX_EVENT >> 20)) from None
            if abort.is_set() or (cancel is not None and cancel.is_set()):
                return FinishReason.CANCELLED
            deltas = self._handle(kind, data, decoder)
            if deltas is None:  # [DONE]
                return finish_reason(decoder.finish_reason)
            yield from deltas or (HEARTBEAT,)
        if abort.is_set():
            return FinishReason.CANCELLED
        if decoder.finish_reason is None:  # the connection closed before the answer ended
            yield from decoder.finish()
            raise self._cut_error(None)
        return finish_reason(decoder.finish_reason)

    def _handle(self, kind: str, data: str, decoder: ChunkDecoder) -> list[StreamEvent] | None:
        """The deltas of one event; None for the `[DONE]` that ends the stream."""
        data = data.strip()
        if data == "[DONE]":
            return None
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            snippet = data if len(data) <= 80 else data[:77] + "..."
            msg = getattr(exc, "msg", str(exc))
            raise self._malformed(translate(
                "RemoteEngine", "a data line is not JSON ({error}): {snippet!r}"
            ).format(error=msg, snippet=snippet)) from None
        if kind == "error":
            raise self._reported(chunk.get("message") if isinstance(chunk, dict) else chunk)
        try:
            return list(decoder.feed(chunk))
        except MalformedChunk as exc:
            raise self._malformed(str(exc)) from None
        except ServerReportedError as exc:
            raise self._reported(exc) from None

    def _reported(self, error: object) -> ServerError:
        return ServerError(translate(
            "RemoteEngine", "{name} reported an error while answering: {error}"
        ).format(name=self.connection.name, error=error))

    def _stats(self, decoder: ChunkDecoder, started: float, reason: FinishReason
               ) -> GenerationStats:
        usage = decoder.usage
        generated = usage.completion_tokens if usage is not None else decoder.text_chunks
        first, last = decoder.first_at, decoder.last_at
        ttft = (first if first is not None else self._clock()) - started
        decode_tps = 0.0
        if first is not None and last is not None and last > first and generated > 1:
            decode_tps = (generated - 1) / (last - first)
        prompt = usage.prompt_tokens if usage is not None else 0
        cached = usage.cached_tokens if usage is not None else 0
        return GenerationStats(
            prompt_tokens=prompt, cached_tokens=cached, completion_tokens=generated,
            ttft_s=ttft, prompt_tps=(prompt - cached) / ttft if prompt and ttft > 0 else 0.0,
            decode_tps=decode_tps, finish_reason=reason,
        )

    def _list_models(self, abort: Abort) -> list[str]:
        name = self.connection.name
        try:
            response = self._client.request("GET", "/models", None, abort)
        except HttpStatusError as exc:
            raise self._status_error(exc, None, abort) from None
        with response:
            raw = response.read(MAX_MODEL_LIST)
        try:
            data = json.loads(raw)
            models = [str(m["id"]) for m in data["data"]]
        except (ValueError, TypeError, KeyError):
            raise ServerError(translate(
                "RemoteEngine", "{name} answered {url} with something that is not a model list."
            ).format(name=name, url=self.connection.endpoint.url('/models'))) from None
        return models

    def _status_error(self, exc: HttpStatusError, model: str | None, abort: Abort
                      ) -> RemoteError:
        name, status = self.connection.name, exc.status
        if status in (401, 403):
            if not self.connection.api_key:
                return KeyRejectedError(translate(
                    "RemoteEngine",
                    "{name} needs an API key (HTTP {status}). Set one for this connection."
                ).format(name=name, status=status))
            return KeyRejectedError(translate(
                "RemoteEngine", "{name} rejected the API key (HTTP {status}). Check the key set "
                "for this connection."
            ).format(name=name, status=status))
        if status == 429:
            if exc.retry_after is not None:
                return RateLimitedError(translate(
                    "RemoteEngine", "{name} is rate limiting requests (HTTP 429) and asks to wait "
                    "{seconds:.0f} s. Try again then."
                ).format(name=name, seconds=exc.retry_after), exc.retry_after)
            return RateLimitedError(translate(
                "RemoteEngine",
                "{name} is rate limiting requests (HTTP 429). Wait a moment and try again."
            ).format(name=name))
        if model is not None and (status == 404 or (status in (400, 422)
                                                    and _MODEL_MISSING.search(exc.message))):
            return self._missing_model_error(exc, model, abort)
        if status == 404:
            return ServerError(translate(
                "RemoteEngine", "{name} has no OpenAI-compatible API at {url} (HTTP 404). Check "
                "the base URL; it usually ends in /v1."
            ).format(name=name, url=self.connection.endpoint.url()))
        if status >= 500:
            return ServerError(translate(
                "RemoteEngine", "{name} failed with HTTP {status} ({error}). Try again later."
            ).format(name=name, status=status, error=exc.message))
        return _refused(name, exc)

    def _missing_model_error(self, exc: HttpStatusError, model: str, abort: Abort
                             ) -> RemoteError:
        name = self.connection.name
        try:
            models = self._list_models(abort)
        except (RemoteError, RequestCancelled) as list_error:
            if exc.status == 404 and isinstance(list_error, ServerError):
                return list_error  # no API at this address at all
            return _refused(name, exc)
        if model in models:
            return _refused(name, exc)
        if not models:
            return RemoteModelNotFoundError(translate(
                "RemoteEngine", "{name} has no model named '{model}', and lists no models at all."
            ).format(name=name, model=model))
        shown = ", ".join(models[:_SHOWN_MODELS])
        more = len(models) - _SHOWN_MODELS
        if more > 0:
            text = translate("RemoteEngine", "{name} has no model named '{model}'. It has: "
                             "{shown} and {more} more. Choose one of them for this connection.")
        else:
            text = translate("RemoteEngine", "{name} has no model named '{model}'. It has: "
                             "{shown}. Choose one of them for this connection.")
        return RemoteModelNotFoundError(text.format(name=name, model=model, shown=shown,
                                                    more=more))

    def _cut_error(self, cut: StreamCut | None) -> RemoteError:
        where = self.connection.endpoint.address
        if cut is not None and cut.timed_out:
            return RemoteTimeoutError(translate(
                "RemoteEngine", "{where} stopped sending for {seconds:g} s; the answer was cut "
                "off. Try again."
            ).format(where=where, seconds=self.connection.read_timeout))
        return StreamCutError(translate(
            "RemoteEngine",
            "The connection to {where} closed before the answer was complete. Try again."
        ).format(where=where))

    def _malformed(self, what: str) -> MalformedStreamError:
        return MalformedStreamError(translate(
            "RemoteEngine", "{name} sent a malformed stream: {problem}."
        ).format(name=self.connection.name, problem=what))


def _refused(name: str, exc: HttpStatusError) -> ServerError:
    return ServerError(translate(
        "RemoteEngine", "{name} refused the request (HTTP {status}: {error})."
    ).format(name=name, status=exc.status, error=exc.message))


def _message(message: ChatMessage) -> dict[str, str]:
    content = user_turn(message)  # attached files, as the local model gets them
    if message.role is Role.ASSISTANT and "</think>" in content:
        content = content.rsplit("</think>", 1)[1].lstrip()  # reasoning that leaked into text
    if message.role is Role.ASSISTANT:
        content = split_tool_blocks(content)[0]  # calls it tried: no tool ran, none happened
    # Only role and content: past reasoning is never sent back (DeepSeek's API rejects it).
    return {"role": message.role.value, "content": content}


def _watch(cancel: threading.Event, abort: Abort) -> None:
    while not abort.finished:
        if cancel.wait(_WATCH_INTERVAL):
            abort.set()
            return
