"""The API server's lifecycle: bind the port (a taken port is a clear error, before any model
loads), run uvicorn on its own thread, stop within a second even mid-request.

`ApiServer.start` binds and starts serving at once; what it answers depends on the
`ModelBoard` (503 while loading) and runs through the `EngineQueue` (the engine's thread).
`stop` refuses new requests, cancels the running and waiting ones (the engine stops within one
token) and ends uvicorn without waiting for clients to hang up.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.errors import InputError, InvalidOptionError
from backend.i18n import translate
from backend.serve.api_errors import MAX_BODY_BYTES
from backend.serve.engine_queue import DEFAULT_MAX_WAITING, EngineQueue
from backend.serve.served_model import ModelBoard

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)

LOCAL_HOST = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
DEFAULT_PORT = 8080
_START_TIMEOUT_S = 10.0


class ServerStartError(InputError):
    """The server could not listen where it was asked to."""


class PortInUseError(ServerStartError):
    """Another program listens on the port (bad input: choose another)."""


def new_api_key() -> str:
    """A fresh random key: "sk-" and 48 hex digits (192 bits)."""
    return "sk-" + secrets.token_hex(24)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True, repr=False)
class ServeOptions:
    host: str = LOCAL_HOST
    port: int = DEFAULT_PORT  # 0: any free port (see `ApiServer.port`)
    api_key: str | None = None  # secret: never in a repr or a log
    cors_origins: tuple[str, ...] = ()
    max_waiting: int = DEFAULT_MAX_WAITING
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise InvalidOptionError(translate(
                "Server", "The port must be a number from 1 to 65535, not {port}."
            ).format(port=self.port))
        if not is_loopback(self.host) and not self.api_key:
            raise InvalidOptionError(translate(
                "Server", "Serving other devices ({host}) needs an API key, or anyone on the "
                "network could use this computer's model. Set a key, or serve this computer "
                "only (127.0.0.1)."
            ).format(host=self.host))
        if self.max_waiting < 0:
            raise InvalidOptionError(translate(
                "Server", "The number of waiting requests cannot be negative ({n})."
            ).format(n=self.max_waiting))

    def __repr__(self) -> str:
        key = "'***'" if self.api_key else "None"
        return (f"ServeOptions(host={self.host!r}, port={self.port}, api_key={key}, "
                f"cors_origins={self.cors_origins!r}, max_waiting={self.max_waiting})")


class ApiServer:
    """One listening API server. `start` once, `stop` once."""

    def __init__(self, options: ServeOptions, queue: EngineQueue, board: ModelBoard) -> None:
        self.options = options
        self.queue = queue
        self.board = board
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one chosen by the system for port 0)."""
        return self._socket.getsockname()[1] if self._socket is not None else self.options.port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def url(self, host: str | None = None) -> str:
        """The base URL clients use, e.g. http://127.0.0.1:8080/v1."""
        host = host or (LOCAL_HOST if self.options.host == ALL_INTERFACES else self.options.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/v1"

    def start(self) -> None:
        """Bind and serve. Raises `PortInUseError` or `ServerStartError`."""
        import uvicorn  # the HTTP stack loads only when a server starts

        from backend.serve.asgi_app import ApiConfig, build_app

        self._socket = _bind(self.options.host, self.options.port)
        opts = self.options
        app = build_app(ApiConfig(api_key=opts.api_key, cors_origins=opts.cors_origins,
                                  max_body_bytes=opts.max_body_bytes), self.queue, self.board)
        # No logging set-up of uvicorn's own: its records go to the app's handlers, and its
        # per-request access lines stay off (our one line per answer says more, without text).
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, server_header=False)
        self._server = uvicorn.Server(config)
        self.queue.reopen()
        self._thread = threading.Thread(target=self._server.run, args=([self._socket],),
                                        name="api-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        log.info("API server listening on %s", self.url())

    def stop(self, timeout: float = 1.5) -> bool:
        """Cancel every request and stop listening. True if it ended within `timeout`."""
        self.queue.close()
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
            server.force_exit = True  # do not wait for clients to hang up
        ended = True
        if thread is not None:
            thread.join(timeout)
            ended = not thread.is_alive()
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        if not ended:
            log.warning("the API server did not stop within %.1f s", timeout)
        return ended


def lan_address() -> str | None:
    """This computer's address on its local network (for the URL other devices use), or None.

    Connecting a UDP socket sends nothing; it only asks the system which interface would route.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.168.0.1", 9))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == ALL_INTERFACES else address


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServerStartError(translate(
            "Server", "Cannot serve on {host}: the address is unknown ({reason})."
        ).format(host=host, reason=exc.strerror)) from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(translate(
                "Server", "Port {port} on {host} is already in use by another program. Choose "
                "another port, or stop that program."
            ).format(port=port, host=host)) from None
        raise ServerStartError(translate(
            "Server", "Cannot serve on {host}:{port}: {reason}."
        ).format(host=host, port=port, reason=exc.strerror or exc)) from None
    sock.setblocking(False)
    return sock
