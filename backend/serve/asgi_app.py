"""The HTTP routes (Starlette, served by uvicorn): `GET /health`, `GET /v1/models`,
`GET /v1/models/{id}` and `POST /v1/chat/completions`, streaming or not.

A chat request is read (bodies are capped), checked (key, model), turned into a `ChatRequest`
and queued as a `Job`; the engine's thread drops what it writes into this request's `Inbox`,
which the handler drains (a stream sends what gathered, at most 20 chunks a second). The
response starts only once the first piece of the answer exists, so a prompt that does not fit is still a 400 for streams. A
client that goes away (noticed while it waits, while it reads a stream, or while it waits for
a whole answer) cancels its job: the engine stops within one token, or the job never starts.

Logs never hold prompt or answer text (the job logs one INFO line per answer, with figures).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
)
from backend.serve import api_errors
from backend.serve.api_errors import MAX_BODY_BYTES, ApiError
from backend.serve.api_request import ChatCall, parse_chat_call
from backend.serve.api_response import (
    DONE,
    Completion,
    error_event,
    finish_reason,
    model_entry,
)
from backend.serve.engine_queue import (
    EngineQueue,
    Job,
    JobFailed,
    JobItem,
    QueueClosedError,
    QueueFullError,
)
from backend.serve.inbox import STREAM_INTERVAL_S, Inbox
from backend.serve.served_model import ModelBoard, ServedModel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, repr=False)
class ApiConfig:
    api_key: str | None = None  # secret: never in a repr or a log
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES


def build_app(config: ApiConfig, queue: EngineQueue, board: ModelBoard) -> Starlette:
    api = _Api(config, queue, board)
    middleware = []
    if config.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"]))
    return Starlette(
        routes=[
            Route("/health", api.health, methods=["GET"]),
            Route("/v1/models", api.models, methods=["GET"]),
            Route("/v1/models/{model_id:path}", api.model, methods=["GET"]),
            Route("/v1/chat/completions", api.chat_completions, methods=["POST"]),
        ],
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = ApiError(404, f"There is no {request.url.path} here; the API is under /v1 "
                              "(/v1/models, /v1/chat/completions).", code="not_found")
    elif exc.status_code == 405:
        error = ApiError(405, f"{request.url.path} does not take {request.method}.",
                         code="method_not_allowed")
    else:
        error = ApiError(exc.status_code, str(exc.detail))
    return JSONResponse(error.body(), status_code=error.status, headers=exc.headers)


class _Api:
    def __init__(self, config: ApiConfig, queue: EngineQueue, board: ModelBoard) -> None:
        self.config = config
        self.queue = queue
        self.board = board

    # -- routes ---------------------------------------------------------------------------------

    async def health(self, _request: Request) -> Response:
        now = self.board.current()
        if now.model is not None:
            return JSONResponse({"status": "ok"})
        raise api_errors.loading(now.loading) if now.loading else api_errors.no_model()

    async def models(self, request: Request) -> Response:
        self._authorize(request)
        now = self.board.current()
        if now.loading:
            raise api_errors.loading(now.loading)
        data = [model_entry(now.model.name, now.model.created)] if now.model else []
        return JSONResponse({"object": "list", "data": data})

    async def model(self, request: Request) -> Response:
        self._authorize(request)
        asked = request.path_params["model_id"]
        served = self.board.current().model
        if served is None or not served.answers_to(asked):
            raise api_errors.unknown_model(asked, served.name if served else None)
        return JSONResponse(model_entry(served.name, served.created))

    async def chat_completions(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        served = self._served()
        call = parse_chat_call(body, served)
        if call.model is not None and not served.answers_to(call.model):
            raise api_errors.unknown_model(call.model, served.name)
        inbox = Inbox(asyncio.get_running_loop(), whole=not call.stream)
        try:
            job = self.queue.submit(call.chat, inbox.put, stop=call.stop)
        except QueueFullError as exc:
            raise api_errors.queue_full(exc.waiting) from None
        except QueueClosedError:
            raise api_errors.stopping() from None
        completion = Completion(served.name)
        watcher = asyncio.ensure_future(_cancel_on_disconnect(request, job))
        handed_off = False
        try:
            if not call.stream:
                return await self._whole(call, completion, inbox)
            first = await inbox.take()
            if isinstance(first[0], JobFailed):
                raise _failure(first[0])
            watcher.cancel()  # from here the streaming response watches the client
            handed_off = True
            return _JobStream(job, self._events(call, completion, first, inbox),
                              media_type="text/event-stream",
                              headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        finally:
            watcher.cancel()
            if not handed_off:
                job.cancel()  # no effect once it ended; stops it if this handler was cut off

    # -- answers --------------------------------------------------------------------------------

    async def _whole(self, call: ChatCall, completion: Completion, inbox: Inbox) -> Response:
        items = await inbox.take()  # all of it: the answer is complete
        end = items[-1]
        if isinstance(end, JobFailed):
            raise _failure(end)
        assert isinstance(end, Finished)
        stats = end.stats
        reasoning = "".join(i.text for i in items if isinstance(i, ReasoningDelta))
        content = "".join(i.text for i in items if isinstance(i, AnswerDelta))
        if stats.finish_reason is FinishReason.CANCELLED:
            raise api_errors.stopping()  # the client left (nobody reads this), or a shutdown
        return JSONResponse(completion.message(
            reasoning if call.chat.deep_thinking else None, content, stats))

    async def _events(self, call: ChatCall, completion: Completion, first: list[JobItem],
                      inbox: Inbox) -> AsyncIterator[bytes]:
        """The stream: the role, then a chunk per batch of text (reasoning and answer in
        their own chunks), the finish reason, the usage if asked, [DONE]."""
        usage = call.include_usage
        yield completion.chunk({"role": "assistant", "content": ""}, include_usage=usage)
        batch = first
        while True:
            for kind, text in _merged(batch):
                yield completion.chunk({"content": None, "reasoning_content": text}
                                       if kind is ReasoningDelta else {"content": text},
                                       include_usage=usage)
            end = batch[-1]
            if isinstance(end, JobFailed):
                yield error_event(_failure(end))
                return
            if isinstance(end, Finished):
                stats = end.stats
                if stats.finish_reason is FinishReason.CANCELLED:
                    yield error_event(api_errors.stopping())
                    return
                yield completion.chunk({}, finish=finish_reason(stats.finish_reason),
                                       include_usage=usage)
                if usage:
                    yield completion.usage_chunk(stats)
                yield DONE
                return
            await asyncio.sleep(STREAM_INTERVAL_S)  # let a fast model's tokens gather
            batch = await inbox.take()

    # -- checks ---------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> None:
        key = self.config.api_key
        if not key:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise api_errors.missing_key()
        if not hmac.compare_digest(given.strip().encode(), key.encode()):
            raise api_errors.wrong_key()

    def _served(self) -> ServedModel:
        now = self.board.current()
        if now.model is not None:
            return now.model
        raise api_errors.loading(now.loading) if now.loading else api_errors.no_model()

    async def _json(self, request: Request) -> object:
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise api_errors.too_large(limit)
        body = bytearray()
        async for piece in request.stream():
            body += piece
            if len(body) > limit:
                raise api_errors.too_large(limit)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise api_errors.bad_request(f"The request body is not valid JSON ({exc}).") from None


class _JobStream(StreamingResponse):
    """A streamed answer that cancels its job however the response ends: finished, the
    client gone (Starlette then cancels the stream mid-await), or the server stopping."""

    def __init__(self, job: Job, content: AsyncIterator[bytes], **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self._job = job

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._job.cancel()


async def _cancel_on_disconnect(request: Request, job: Job) -> None:
    """Cancel `job` when the client closes its connection (until this task is cancelled)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            job.cancel()
            return


def _merged(batch: list[JobItem]) -> list[tuple[type, str]]:
    """The text of a batch, consecutive pieces of one kind joined."""
    out: list[tuple[type, str]] = []
    for item in batch:
        if isinstance(item, ReasoningDelta | AnswerDelta) and item.text:
            if out and out[-1][0] is type(item):
                out[-1] = (out[-1][0], out[-1][1] + item.text)
            else:
                out.append((type(item), item.text))
    return out


def _failure(item: JobFailed) -> ApiError:
    return api_errors.internal() if item.error is None else api_errors.from_app_error(item.error)
