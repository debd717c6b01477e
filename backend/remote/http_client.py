"""HTTP for remote engines, on httpx2 (the client huggingface_hub brings) and its server-sent
events reader: timeouts, retries with backoff, and a socket that another thread can shut down,
so Stop ends a stream at once instead of at the next token.

A request is retried only before its answer starts: on connection errors (refused, reset) and
on HTTP 429 and 5xx, waiting `Backoff` delays (or the server's Retry-After when it is short
enough). Once the body streams, nothing is retried: the text already shown cannot be taken back.
Each request has a connection of its own; httpx2 is imported on the first request, not at
start-up.
"""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from backend.errors import InvalidOptionError
from backend.i18n import translate
from backend.remote.remote_errors import RemoteError, RemoteTimeoutError, ServerUnreachableError
from backend.retry import Backoff

if TYPE_CHECKING:
    import httpx2

log = logging.getLogger(__name__)

MAX_EVENT = 1 << 20  # one server-sent event (one chunk of JSON); far above any real chunk
MAX_ERROR_BODY = 64 << 10
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "DeepSeek-Local"

CONNECT_TIMEOUT = 10.0
# Between two reads. A long prompt on a busy server can take minutes before the first token.
READ_TIMEOUT = 300.0
# Tried three times in all; a Retry-After up to 5 s is sat out, a longer one is told the user.
DEFAULT_BACKOFF = Backoff(attempts=3, base_delay_s=0.5, max_delay_s=5.0, retry_after_limit_s=5.0)


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = CONNECT_TIMEOUT
    read: float = READ_TIMEOUT


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an OpenAI-compatible API lives: `https://api.deepseek.com` → prefix `/v1`."""

    scheme: str
    host: str
    port: int
    prefix: str  # the path the API's routes hang off, e.g. "/v1"

    @classmethod
    def parse(cls, base_url: str) -> Endpoint:
        """A base URL without a path gets `/v1` (what vLLM, SGLang, llama.cpp and DeepSeek
        serve); one with a path is used as given."""
        text = base_url.strip()
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidOptionError(translate(
                "RemoteHttp", "{address!r} is not a server address: it must start with http:// "
                "or https:// and name a host, e.g. http://127.0.0.1:8000/v1."
            ).format(address=text))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise InvalidOptionError(translate(
                "RemoteHttp", "{address!r} has an invalid port number.").format(address=text)
            ) from None
        prefix = parts.path.rstrip("/") or "/v1"
        return cls(parts.scheme, parts.hostname, port, prefix)

    @property
    def address(self) -> str:
        """host:port, as messages name it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, path: str = "") -> str:
        default = self.port == (443 if self.scheme == "https" else 80)
        host = self.address.rsplit(":", 1)[0] if default else self.address
        return f"{self.scheme}://{host}{self.prefix}{path}"


class RequestCancelled(Exception):
    """The request was aborted (Stop); not an error."""


class StreamCut(Exception):
    """The body stopped coming: the server closed the connection, or sent nothing for the read
    timeout (`timed_out`). The caller says which to the user."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "closed")
        self.timed_out = timed_out


class EventTooLarge(Exception):
    """A server-sent event over `MAX_EVENT` bytes: not a chat stream."""


class Abort:
    """Stops one request from any thread: a flag, plus shutting its socket down.

    `shutdown` (not `close`) is what is safe across threads: the reading thread's blocked
    `recv` returns at once, and the socket is closed later by the thread that owns it.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.finished = False  # the request is over; nothing left to stop

    def finish(self) -> None:
        self.finished = True

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            sock = self._sock
        if sock is not None:
            _shutdown(sock)

    def wait(self, seconds: float) -> bool:
        """Sleep (a retry's backoff) unless aborted; True if aborted."""
        return self._event.wait(seconds)

    def attach(self, sock: socket.socket) -> bool:
        """Make `sock` the one to shut down; False (and shut down) if already aborted."""
        with self._lock:
            if not self._event.is_set():
                self._sock = sock
                return True
        _shutdown(sock)
        return False

    def detach(self) -> None:
        with self._lock:
            self._sock = None

    def on_connection_event(self, name: str, info: dict[str, Any]) -> None:
        """httpx2's `trace` hook: the socket is ours to shut down from the moment it connects
        (and again once TLS wraps it). A request stopped meanwhile goes no further."""
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None and not self.attach(sock):
                raise RequestCancelled


def _shutdown(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, also for TLS sockets: SSLSocket.shutdown would tear down
        # the TLS state under the reading thread's feet.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected


@dataclass(eq=False)
class HttpStatusError(Exception):
    """A non-2xx answer, with what the server said; mapped to a user message by the caller."""

    status: int
    reason: str
    body: str
    retry_after: float | None
    message: str  # the server's own error message, or the body's start, or the reason

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.reason}: {self.message}"


class _NetworkFailure(Exception):
    """A user-facing network error, and whether trying again may help."""

    def __init__(self, error: RemoteError, retryable: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable


class Response:
    """A 2xx answer being read. Close it (or use `with`): it owns the connection."""

    def __init__(self, client: httpx2.Client, response: httpx2.Response, abort: Abort) -> None:
        self._client = client
        self._response = response
        self._abort = abort
        self.status = response.status_code
        self.content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        self.content_type = self.content_type.lower()

    def events(self) -> Iterator[tuple[str, str]]:
        """(event type, data) of each server-sent event. Raises `StreamCut` when the body stops
        coming and `EventTooLarge` for an event no chat stream sends."""
        import httpx2

        try:
            for event in httpx2.EventSource(self._response, max_event_size=MAX_EVENT):
                yield event.event, event.data
        except httpx2.SSEError as exc:
            raise EventTooLarge(str(exc)) from exc
        except httpx2.TimeoutException as exc:
            raise StreamCut(timed_out=True) from exc
        except (httpx2.TransportError, httpx2.StreamError) as exc:
            raise StreamCut(timed_out=False) from exc

    def read(self, limit: int) -> bytes:
        """The body, or its first `limit` bytes."""
        return _read_some(self._response, limit)

    def close(self) -> None:
        self._abort.detach()
        self._response.close()
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class HttpClient:
    """Requests to one endpoint. Thread-safe: each request gets its own connection."""

    def __init__(self, endpoint: Endpoint, *, api_key: str | None = None,
                 timeouts: Timeouts = Timeouts(), backoff: Backoff = DEFAULT_BACKOFF) -> None:
        self.endpoint = endpoint
        self._api_key = api_key
        self.timeouts = timeouts
        self.backoff = backoff

    def __repr__(self) -> str:  # never the key
        return f"HttpClient({self.endpoint.url()!r})"

    def request(self, method: str, path: str, payload: object | None, abort: Abort, *,
                accept: str = "application/json") -> Response:
        """Send, retrying as the backoff allows, and return the 2xx response.

        Raises `HttpStatusError` for other statuses, `RemoteError` for network failures,
        `RequestCancelled` when `abort` is set.
        """
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Accept": accept, "Accept-Encoding": "identity", "User-Agent": _USER_AGENT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        attempt = 0
        while True:
            attempt += 1
            if abort.is_set():
                raise RequestCancelled
            log.debug("%s %s (try %d)", method, self.endpoint.url(path), attempt)
            try:
                return self._send(method, path, body, headers, abort)
            except _NetworkFailure as failure:
                delay = self.backoff.delay(attempt) if failure.retryable else None
                if delay is None:
                    raise failure.error from failure.__cause__
                log.info("%s; retrying in %.1f s", failure.error, delay)
            except HttpStatusError as exc:
                delay = (self.backoff.delay(attempt, exc.retry_after)
                         if exc.status in _RETRY_STATUSES else None)
                if delay is None:
                    raise
                log.info("%s answered HTTP %d; retrying in %.1f s", self.endpoint.address,
                         exc.status, delay)
            if abort.wait(delay):
                raise RequestCancelled

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
              abort: Abort) -> Response:
        import httpx2

        client = httpx2.Client(
            timeout=httpx2.Timeout(self.timeouts.read, connect=self.timeouts.connect),
            limits=httpx2.Limits(max_keepalive_connections=0),  # a connection per request
        )
        response = None
        try:
            request = client.build_request(method, self.endpoint.url(path), content=body,
                                           headers=headers,
                                           extensions={"trace": abort.on_connection_event})
            response = client.send(request, stream=True)
            if 200 <= response.status_code < 300:
                return Response(client, response, abort)
            raise _status_error(response)
        except httpx2.ConnectTimeout as exc:
            raise self._failure(exc, abort, connecting=True) from exc
        except httpx2.ConnectError as exc:
            raise self._failure(exc, abort, connecting=True) from exc
        except httpx2.TransportError as exc:
            raise self._failure(exc, abort, connecting=False) from exc
        finally:
            if response is None or not 200 <= response.status_code < 300:
                abort.detach()
                if response is not None:
                    response.close()
                client.close()

    def _failure(self, exc: Exception, abort: Abort, *, connecting: bool) -> Exception:
        """The user's message for a failed request, or `RequestCancelled` if it was stopped."""
        import httpx2

        if abort.is_set():
            return RequestCancelled()
        where = self.endpoint.address
        cause = _root_cause(exc)
        if connecting:
            return self._connect_failure(exc, cause)
        if isinstance(exc, httpx2.TimeoutException):
            return _NetworkFailure(RemoteTimeoutError(translate(
                "RemoteHttp", "{where} did not answer within {seconds:g} s. The server may be "
                "overloaded; try again later."
            ).format(where=where, seconds=self.timeouts.read)), retryable=False)
        return _NetworkFailure(ServerUnreachableError(translate(
            "RemoteHttp", "{where} closed the connection without answering ({error}). Check that "
            "the address points to an OpenAI-compatible server."
        ).format(where=where, error=_reason(cause))), retryable=True)

    def _connect_failure(self, exc: Exception, cause: BaseException) -> _NetworkFailure:
        import httpx2

        where = self.endpoint.address
        if isinstance(cause, ConnectionRefusedError):
            return _NetworkFailure(ServerUnreachableError(translate(
                "RemoteHttp", "Could not connect to {where}: the connection was refused. Check "
                "that the server is running and that the address is right."
            ).format(where=where)), retryable=True)
        if isinstance(cause, socket.gaierror):
            return _NetworkFailure(ServerUnreachableError(translate(
                "RemoteHttp", "Could not find the server {host} ({error}). Check the address and "
                "your network connection."
            ).format(host=self.endpoint.host, error=cause.strerror)),
                retryable=cause.errno == socket.EAI_AGAIN)
        if isinstance(exc, httpx2.ConnectTimeout) or isinstance(cause, TimeoutError):
            return _NetworkFailure(RemoteTimeoutError(translate(
                "RemoteHttp", "Could not connect to {where} within {seconds:g} s. Check the "
                "address, your network and any firewall in between."
            ).format(where=where, seconds=self.timeouts.connect)), retryable=False)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _NetworkFailure(ServerUnreachableError(translate(
                "RemoteHttp", "The secure connection to {where} failed: {error}. Check that the "
                "address uses the server's real name."
            ).format(where=where, error=cause.verify_message)), retryable=False)
        if isinstance(cause, ssl.SSLError):
            return _NetworkFailure(ServerUnreachableError(translate(
                "RemoteHttp", "The secure connection to {where} failed ({error}). If the server "
                "speaks plain HTTP, use an http:// address."
            ).format(where=where, error=cause.reason or cause)), retryable=False)
        return _NetworkFailure(ServerUnreachableError(translate(
            "RemoteHttp", "Could not connect to {where} ({error}). Check the address and your "
            "network connection."
        ).format(where=where, error=_reason(cause))), retryable=isinstance(cause, ConnectionError))


def _root_cause(exc: BaseException) -> BaseException:
    """The OS or TLS error under httpx2's own (it raises its errors `from` the original)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() else exc.strerror
    text = str(exc)
    if "without sending" in text or "Server disconnected" in text:
        return translate("RemoteHttp", "it closed the connection")
    return text or type(exc).__name__


def _read_some(response: httpx2.Response, limit: int) -> bytes:
    data = bytearray()
    for piece in response.iter_bytes():
        data += piece
        if len(data) >= limit:
            break
    return bytes(data[:limit])


def _status_error(response: httpx2.Response) -> HttpStatusError:
    text = _read_some(response, MAX_ERROR_BODY).decode("utf-8", errors="replace").strip()
    return HttpStatusError(
        status=response.status_code, reason=response.reason_phrase or "", body=text,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        message=error_message(text) or response.reason_phrase or f"HTTP {response.status_code}",
    )


def error_message(text: str) -> str:
    """The message inside an OpenAI-style error body ({"error": {"message": ...}}), or ""."""
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300] if text and not text.startswith("<") else ""
    for value in (data.get("error") if isinstance(data, dict) else None, data):
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict):
            for key in ("message", "detail", "msg"):
                found = value.get(key)
                if isinstance(found, str) and found.strip():
                    return found.strip()
    return ""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
