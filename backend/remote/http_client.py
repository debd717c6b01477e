"""HTTP for remote engines on the standard library: timeouts, retries with backoff, and a socket
that another thread can shut down, so Stop ends a stream at once instead of at the next token.

`http.client` speaks the protocol (TLS, chunked bodies); this module adds the rest. A request is
retried only before its answer starts: on connection errors (refused, reset) and on HTTP 429 and
5xx, waiting `RetryPolicy` delays (or the server's Retry-After when it is short enough). Once the
body streams, nothing is retried: the text already shown cannot be taken back.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from backend.errors import InvalidOptionError
from backend.i18n import translate
from backend.remote.remote_errors import RemoteError, RemoteTimeoutError, ServerUnreachableError

log = logging.getLogger(__name__)

MAX_LINE = 1 << 20  # one SSE line (one chunk of JSON); far above any real chunk
MAX_ERROR_BODY = 64 << 10
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "DeepSeek-Local"


CONNECT_TIMEOUT = 10.0
# Between two reads. A long prompt on a busy server can take minutes before the first token.
READ_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = CONNECT_TIMEOUT
    read: float = READ_TIMEOUT


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3  # tries in all, the first included
    base_delay: float = 0.5  # then doubled: 0.5 s, 1 s, 2 s, ...
    max_delay: float = 5.0  # longest wait between tries, and the longest Retry-After sat out

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed try number `attempt` (1-based); None: do not retry."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        return float(min(self.base_delay * 2 ** (attempt - 1), self.max_delay))


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


class _NetworkFailure(Exception):
    """A user-facing network error, and whether trying again may help."""

    def __init__(self, error: RemoteError, retryable: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable


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


def _shutdown(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, also for TLS sockets: SSLSocket.shutdown would tear down
        # the TLS state under the reading thread's feet.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected


class _Cancellable(http.client.HTTPConnection):
    """After connecting: the read timeout replaces the connect timeout, and the socket is handed
    to the request's `Abort`."""

    abort: Abort
    read_timeout: float

    def connect(self) -> None:
        super().connect()
        assert self.sock is not None
        self.sock.settimeout(self.read_timeout)
        if not self.abort.attach(self.sock):
            raise RequestCancelled


class _PlainConnection(_Cancellable, http.client.HTTPConnection):
    pass


class _TlsConnection(_Cancellable, http.client.HTTPSConnection):
    pass


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


class Response:
    """A 2xx answer being read. Close it (or use `with`): it owns the connection."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse,
                 abort: Abort) -> None:
        self._conn = conn
        self._resp = resp
        self._abort = abort
        self.status = resp.status
        self.content_type = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()

    def readline(self) -> bytes:
        """The next line (b"" at the end). Raises OSError/HTTPException/ValueError when the
        connection breaks or the chunked encoding is damaged."""
        return self._resp.readline(MAX_LINE)

    def read(self, limit: int) -> bytes:
        return self._resp.read(limit)

    def close(self) -> None:
        self._abort.detach()
        self._resp.close()
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class HttpClient:
    """Requests to one endpoint. Thread-safe: each request gets its own connection."""

    def __init__(self, endpoint: Endpoint, *, api_key: str | None = None,
                 timeouts: Timeouts = Timeouts(), retry: RetryPolicy = RetryPolicy()) -> None:
        self.endpoint = endpoint
        self._api_key = api_key
        self.timeouts = timeouts
        self.retry = retry

    def __repr__(self) -> str:  # never the key
        return f"HttpClient({self.endpoint.url()!r})"

    def request(self, method: str, path: str, payload: object | None, abort: Abort, *,
                accept: str = "application/json") -> Response:
        """Send, retrying as the policy allows, and return the 2xx response.

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
            conn = self._connection(abort)
            try:
                response = self._send(conn, method, path, body, headers, abort)
            except _NetworkFailure as failure:
                delay = self.retry.delay(attempt) if failure.retryable else None
                if delay is None:
                    raise failure.error from failure.__cause__
                log.info("%s; retrying in %.1f s", failure.error, delay)
            except HttpStatusError as exc:
                delay = (self.retry.delay(attempt, exc.retry_after)
                         if exc.status in _RETRY_STATUSES else None)
                if delay is None:
                    raise
                log.info("%s answered HTTP %d; retrying in %.1f s", self.endpoint.address,
                         exc.status, delay)
            else:
                return response
            if abort.wait(delay):
                raise RequestCancelled

    def _connection(self, abort: Abort) -> http.client.HTTPConnection:
        cls = _TlsConnection if self.endpoint.scheme == "https" else _PlainConnection
        conn = cls(self.endpoint.host, self.endpoint.port, timeout=self.timeouts.connect)
        conn.abort = abort
        conn.read_timeout = self.timeouts.read
        return conn

    def _send(self, conn: http.client.HTTPConnection, method: str, path: str,
              body: bytes | None, headers: dict[str, str], abort: Abort) -> Response:
        try:
            try:
                conn.connect()
            except (OSError, http.client.HTTPException) as exc:
                raise self._connect_error(exc, abort) from exc
            try:
                conn.request(method, self.endpoint.prefix + path, body=body, headers=headers)
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise self._response_error(exc, abort) from exc
            if 200 <= resp.status < 300:
                return Response(conn, resp, abort)
            try:
                raise _status_error(resp)
            except (OSError, http.client.HTTPException) as exc:
                raise self._response_error(exc, abort) from exc
        except BaseException:
            abort.detach()
            conn.close()
            raise

    def _connect_error(self, exc: BaseException, abort: Abort) -> BaseException:
        if abort.is_set():
            return RequestCancelled()
        where = self.endpoint.address
        error: RemoteError
        retryable = False
        if isinstance(exc, ConnectionRefusedError):
            error = ServerUnreachableError(translate(
                "RemoteHttp", "Could not connect to {where}: the connection was refused. Check "
                "that the server is running and that the address is right."
            ).format(where=where))
            retryable = True
        elif isinstance(exc, socket.gaierror):
            error = ServerUnreachableError(translate(
                "RemoteHttp", "Could not find the server {host} ({error}). Check the address and "
                "your network connection."
            ).format(host=self.endpoint.host, error=exc.strerror))
            retryable = exc.errno == socket.EAI_AGAIN
        elif isinstance(exc, TimeoutError):
            error = RemoteTimeoutError(translate(
                "RemoteHttp", "Could not connect to {where} within {seconds:g} s. Check the "
                "address, your network and any firewall in between."
            ).format(where=where, seconds=self.timeouts.connect))
        elif isinstance(exc, ssl.SSLCertVerificationError):
            error = ServerUnreachableError(translate(
                "RemoteHttp", "The secure connection to {where} failed: {error}. Check that the "
                "address uses the server's real name."
            ).format(where=where, error=exc.verify_message))
        elif isinstance(exc, ssl.SSLError):
            error = ServerUnreachableError(translate(
                "RemoteHttp", "The secure connection to {where} failed ({error}). If the server "
                "speaks plain HTTP, use an http:// address."
            ).format(where=where, error=exc.reason or exc))
        else:
            error = ServerUnreachableError(translate(
                "RemoteHttp", "Could not connect to {where} ({error}). Check the address and your "
                "network connection."
            ).format(where=where, error=_reason(exc)))
            retryable = isinstance(exc, ConnectionError)
        return _NetworkFailure(error, retryable)

    def _response_error(self, exc: BaseException, abort: Abort) -> BaseException:
        if abort.is_set() or isinstance(exc, RequestCancelled):
            return RequestCancelled()
        where = self.endpoint.address
        if isinstance(exc, TimeoutError):
            return _NetworkFailure(RemoteTimeoutError(translate(
                "RemoteHttp", "{where} did not answer within {seconds:g} s. The server may be "
                "overloaded; try again later."
            ).format(where=where, seconds=self.timeouts.read)), retryable=False)
        return _NetworkFailure(ServerUnreachableError(translate(
            "RemoteHttp", "{where} closed the connection without answering ({error}). Check that "
            "the address points to an OpenAI-compatible server."
        ).format(where=where, error=_reason(exc))), retryable=isinstance(exc, ConnectionError))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, http.client.RemoteDisconnected):
        return translate("RemoteHttp", "it closed the connection")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() else exc.strerror
    return str(exc) or type(exc).__name__


def _status_error(resp: http.client.HTTPResponse) -> HttpStatusError:
    raw = resp.read(MAX_ERROR_BODY)
    text = raw.decode("utf-8", errors="replace").strip()
    return HttpStatusError(
        status=resp.status, reason=resp.reason or "", body=text,
        retry_after=parse_retry_after(resp.getheader("Retry-After")),
        message=error_message(text) or resp.reason or f"HTTP {resp.status}",
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
