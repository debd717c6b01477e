"""Errors of the model manager (hub, downloads, library), each a message the user reads verbatim.

Every class subclasses `AppError` and the builtin a caller would naturally catch (a disk error is
an `OSError`, a missing file a `FileNotFoundError`), the way huggingface_hub's errors do.
"""

from __future__ import annotations

from backend.errors import AppError, InputError


class HubAccessError(AppError, PermissionError):
    """HTTP 401/403: a gated or private repo, or a token without access."""


class RepoNotFoundError(InputError, LookupError):
    pass


class RevisionNotFoundError(InputError, LookupError):
    pass


class RemoteFileNotFoundError(InputError, FileNotFoundError):
    """HTTP 404 for one file, or a requested path the repo does not have."""


class QuantNotFoundError(InputError, LookupError):
    """`--quant Q` matched no file of the repo."""


class RemoteSplitSetIncompleteError(AppError, ValueError):
    """The hub itself lacks parts of a split set: the download would give an unloadable model."""


class FileTooLargeError(AppError, ValueError):
    """The hub refuses plain-HTTP downloads of single files over 50 GB."""


class HubOfflineError(AppError, ConnectionError):
    """HF_HUB_OFFLINE is set and the hub was needed."""


class HubUnreachableError(AppError, ConnectionError):
    """The connection failed and retries were exhausted."""


class HubResponseError(AppError, ConnectionError):
    """The hub answered with an error this app does not handle specially (5xx after retries...)."""


class ChecksumMismatchError(AppError, ValueError):
    pass


class SizeMismatchError(AppError, ValueError):
    pass


class InsufficientDiskSpaceError(AppError, OSError):
    """Found before starting: the whole job does not fit."""


class DiskFullError(AppError, OSError):
    """A write failed with ENOSPC/EDQUOT mid-download; the partial file is kept for resuming."""


class DownloadInProgressError(AppError, RuntimeError):
    """Another process holds the lock on the same partial file."""


class ModelNotFoundError(InputError, LookupError):
    """A library lookup (`models verify NAME`, `models remove NAME`) matched nothing."""


class AmbiguousModelError(InputError, LookupError):
    """A library lookup matched several models."""


class FolderNotFoundError(InputError, FileNotFoundError):
    pass
