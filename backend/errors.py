"""Errors the user sees: every `AppError` message is shown verbatim in the UI and the CLI.

A message says what failed, the value involved, and what to do. Anything that is not an
`AppError` is a bug and gets the crash path instead. Cancellation is not an error: it is a
finish reason.
"""

from __future__ import annotations


class AppError(Exception):
    """An expected failure with a message written for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(AppError):
    """The user's input is wrong (an option, a file, a name): what to change is in the message.

    The command line exits with code 2 for these, 1 for other `AppError`s.
    """


class ModelFileError(InputError, ValueError):
    """A model file that llama.cpp must not be given (found before loading)."""


class NotGGUFError(ModelFileError):
    pass


class TruncatedFileError(ModelFileError):
    pass


class MissingSplitPartError(ModelFileError, FileNotFoundError):
    pass


class ByteSplitError(ModelFileError):
    """Raw `.partNofM` pieces, which must be joined with `cat` before use."""


class UnsupportedArchitectureError(ModelFileError):
    pass


class UnsupportedQuantError(ModelFileError):
    pass


class ModelLoadError(AppError, RuntimeError):
    """llama.cpp refused or failed to load a model that passed preflight."""


class OutOfMemoryError(ModelLoadError, MemoryError):
    pass


class TemplateError(InputError, ValueError):
    """The model's chat template could not be rendered."""


class UnsafeTemplateError(TemplateError):
    """The template tried to reach Python internals; it was not run."""


class ThinkingUnsupportedError(InputError, ValueError):
    """Deep thinking was asked of a model that cannot reason (DeepSeek-V3)."""


class EffortUnsupportedError(InputError, ValueError):
    """A reasoning effort was asked of a model whose chat template knows no such level."""


class ContextOverflowError(InputError, ValueError):
    """The prompt does not fit the context; `tokens` and `n_ctx` say by how much, when known."""

    def __init__(self, message: str, *, tokens: int | None = None,
                 n_ctx: int | None = None) -> None:
        super().__init__(message)
        self.tokens = tokens
        self.n_ctx = n_ctx


class GenerationError(AppError, RuntimeError):
    pass


class InvalidOptionError(InputError, ValueError):
    """An impossible option combination (CLI flags, settings values)."""
