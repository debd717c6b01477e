"""Errors the API answers with, in OpenAI's JSON format (`{"error": {"message", "type", "param",
"code"}}`), and the statuses clients act on: 400 bad request, 401 key, 404 model, 413 body,
429 queue full, 503 loading or no model.

These are the wire protocol's words, read by programs and their developers, so they stay in
English like the command line; they are not `AppError`s (the app never shows them itself).
"""

from __future__ import annotations

from collections.abc import Mapping

from backend.errors import AppError, ContextOverflowError, InputError

RETRY_AFTER_S = 2  # what a 429 or a 503 asks the client to wait
MAX_BODY_BYTES = 16 << 20  # a request body larger than this is refused (413)


class ApiError(Exception):
    """A request the API refuses: its HTTP status and OpenAI-format body."""

    def __init__(self, status: int, message: str, *, kind: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.code = code
        self.param = param
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param,
                          "code": self.code}}


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def missing_key() -> ApiError:
    return ApiError(401, "This server needs an API key: send it as 'Authorization: Bearer KEY'.",
                    code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})


def wrong_key() -> ApiError:
    return ApiError(401, "Incorrect API key. Use the key set for this server (Settings → API "
                         "server in the app, or the --api-key-env variable of 'serve').",
                    code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})


def unknown_model(asked: str, served: str | None) -> ApiError:
    if served is None:
        text = f"The model '{asked}' does not exist: no model is loaded on this server."
    else:
        text = f"The model '{asked}' does not exist. This server serves '{served}'."
    return ApiError(404, text, code="model_not_found", param="model")


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than {limit >> 20} MiB.",
                    code="request_too_large")


def queue_full(waiting: int) -> ApiError:
    return ApiError(429, f"The model is busy: one request is being answered and {waiting} "
                         "wait behind it. Try again in a moment.",
                    kind="rate_limit_error", code="rate_limit_exceeded",
                    headers={"Retry-After": str(RETRY_AFTER_S)})


def loading(label: str) -> ApiError:
    return ApiError(503, f"{label} is loading. Try again when it is ready.",
                    kind="unavailable_error", code="model_loading",
                    headers={"Retry-After": str(RETRY_AFTER_S)})


def no_model() -> ApiError:
    return ApiError(503, "No model is loaded. Load one in DeepSeek Local's window, then try "
                         "again.", kind="unavailable_error", code="model_not_loaded")


def stopping() -> ApiError:
    return ApiError(503, "The server is stopping; the request was not answered.",
                    kind="unavailable_error", code="server_stopping")


def internal() -> ApiError:
    return ApiError(500, "An unexpected problem stopped this request. The details are in the "
                         "server's log.", kind="server_error")


def from_app_error(error: AppError) -> ApiError:
    """An engine failure as the client sees it: bad input is a 400, the rest a 500."""
    if isinstance(error, ContextOverflowError) and error.tokens is not None:
        return bad_request(
            f"This model's context is {error.n_ctx} tokens, but the messages take "
            f"{error.tokens} tokens. Shorten them, or load the model with a larger context.",
            param="messages", code="context_length_exceeded")
    if isinstance(error, InputError):
        return bad_request(str(error))
    return ApiError(500, str(error), kind="server_error")
