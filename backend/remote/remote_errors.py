"""What can go wrong talking to an OpenAI-compatible server, as `AppError`s shown to the user.

Each subclasses a builtin too (`ConnectionError`, `TimeoutError`, `PermissionError`, ...) so code
that only knows Python's own exceptions still catches them sensibly.
"""

from __future__ import annotations

from backend.errors import AppError, InputError


class RemoteError(AppError, RuntimeError):
    """The server could not be reached, refused the request, or sent something unusable."""


class ServerUnreachableError(RemoteError, ConnectionError):
    """No connection: refused, unknown host, TLS failure, network down."""


class RemoteTimeoutError(RemoteError, TimeoutError):
    """Connected (or trying to), but nothing came back in time."""


class KeyRejectedError(RemoteError, InputError, PermissionError):
    """HTTP 401/403: the API key is missing, wrong or not allowed."""


class RemoteModelNotFoundError(RemoteError, InputError, LookupError):
    """The server has no model of that name."""


class RateLimitedError(RemoteError):
    """HTTP 429, still after the retries (or with a wait too long to sit through)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(RemoteError):
    """Any other HTTP error status."""


class MalformedStreamError(RemoteError, ValueError):
    """The answer was not a valid chat-completion event stream."""


class StreamCutError(RemoteError, ConnectionError):
    """The stream ended (connection closed or reset) before the answer was complete."""
