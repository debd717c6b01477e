"""The app's only door to the Hugging Face Hub: repo metadata, and ranged byte streams of one file.

huggingface_hub (imported lazily) supplies the metadata calls, its shared HTTP session and its error
types; this module turns them into plain dataclasses and `AppError`s with the repo and file named.
The HTTP loop itself (resume, retry, hashing) belongs to `transfer`, because `hf_hub_download`
cannot resume across runs. Environment variables are read per call: huggingface_hub reads most of
them once, at import.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from backend.errors import AppError
from backend.hub.download_errors import (
    HubAccessError,
    HubOfflineError,
    HubResponseError,
    HubUnreachableError,
    RemoteFileNotFoundError,
    RepoNotFoundError,
    RevisionNotFoundError,
)
from backend.hub.hf_cache import default_cache_dir, hf_home
from backend.i18n import translate
from backend.retry import Backoff

if TYPE_CHECKING:
    import httpx2

# Before the first import of huggingface_hub: it reads this once.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
LIBRARY_NAME = "deepseek-local"
_TRUE = {"1", "on", "yes", "true"}
_MAX_REDIRECTS = 10
_RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


METADATA_BACKOFF = Backoff(attempts=3)


@dataclass(frozen=True, slots=True)
class HubConfig:
    endpoint: str
    token: str | None
    offline: bool
    cache_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HubConfig:
        """HF_ENDPOINT, HF_TOKEN (else HF_HOME's token file), HF_HUB_OFFLINE, HF_HUB_CACHE."""
        env = os.environ if environ is None else environ
        token = env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN")
        if not token:
            token_file = Path(env.get("HF_TOKEN_PATH") or hf_home(env) / "token")
            try:
                token = token_file.read_text(encoding="utf-8").strip() or None
            except OSError:
                token = None
        return cls(
            endpoint=(env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
            token=token,
            offline=(env.get("HF_HUB_OFFLINE") or env.get("TRANSFORMERS_OFFLINE") or "").lower()
            in _TRUE,
            cache_dir=default_cache_dir(env),
        )


@dataclass(frozen=True, slots=True)
class RemoteFile:
    path: str  # repo-relative, "/"-separated
    size: int
    sha256: str | None  # LFS files: the sha256 of the content, published by the hub
    blob_id: str | None  # the git object id; verifies files stored without LFS

    @property
    def etag(self) -> str:
        """What the hub sends as ETag, and the blob's name in the HF cache."""
        return self.sha256 or self.blob_id or ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class RepoSnapshot:
    repo: str
    revision: str  # what was asked: a branch, tag or commit
    commit: str  # what it resolved to; downloads pin it so every part comes from one commit
    files: tuple[RemoteFile, ...]

    def file(self, path: str) -> RemoteFile | None:
        return next((f for f in self.files if f.path == path), None)


class TransientNetworkError(Exception):
    """A failure worth retrying (drop, stall, 5xx); `reason` says what happened, for the user."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RangeNotSatisfiableError(Exception):
    """HTTP 416: the partial file is longer than what the server has; start again from zero."""


@dataclass(slots=True)
class ByteStream:
    """One open GET response; `offset` is where its body starts (0 if Range was ignored)."""

    offset: int
    _response: httpx2.Response
    _stall_timeout: float

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives. No re-chunking: bytes buffered by a re-chunker would be lost
        when the connection drops, and the resume would start before them."""
        import httpx2

        try:
            yield from self._response.iter_bytes()
        except httpx2.TimeoutException as err:
            raise TransientNetworkError(
                translate(
                    "Hub", "no data arrived for {seconds:g} s (the connection stalled)"
                ).format(seconds=self._stall_timeout)
            ) from err
        except (httpx2.NetworkError, httpx2.RemoteProtocolError) as err:
            log.debug("connection dropped: %r", err)
            raise TransientNetworkError(translate("Hub", "the connection dropped")) from err


class Hub:
    """Talks to one endpoint with one token, both taken from the environment unless given."""

    def __init__(self, config: HubConfig | None = None) -> None:
        self.config = config or HubConfig.from_env()

    def repo_page(self, repo: str) -> str:
        return f"{self.config.endpoint}/{repo}"

    def snapshot(self, repo: str, revision: str = "main", *,
                 backoff: Backoff = METADATA_BACKOFF) -> RepoSnapshot:
        """Every file of `repo` at `revision` (sizes, sha256) and the commit it resolved to."""
        self._check_online(repo)
        from huggingface_hub import HfApi

        api = HfApi(endpoint=self.config.endpoint, token=self._token_arg, library_name=LIBRARY_NAME)
        attempt = 0
        while True:
            attempt += 1
            try:
                info = api.model_info(repo, revision=revision, files_metadata=True)
                break
            except _hub_errors() as err:  # sorted out by _translate
                translated = self._translate(err, repo=repo, revision=revision)
                if not isinstance(translated, TransientNetworkError):
                    raise translated from err
                delay = backoff.delay(attempt)
                if delay is None:
                    raise HubUnreachableError(
                        translate(
                            "Hub",
                            "Cannot reach {endpoint} to read {repo}: {reason}. Check your internet "
                            "connection (and HF_ENDPOINT), then try again.",
                        ).format(endpoint=self.config.endpoint, repo=repo, reason=translated.reason)
                    ) from err
                time.sleep(delay)
        files = tuple(
            RemoteFile(
                path=s.rfilename,
                size=int(s.lfs.size if s.lfs else s.size or 0),
                sha256=s.lfs.sha256 if s.lfs else None,
                blob_id=s.blob_id,
            )
            for s in info.siblings or ()
        )
        return RepoSnapshot(repo=repo, revision=revision, commit=info.sha or revision, files=files)

    def file_url(self, repo: str, path: str, commit: str) -> str:
        return f"{self.config.endpoint}/{repo}/resolve/{quote(commit, safe='')}/{quote(path)}"

    @contextmanager
    def open_range(
        self, repo: str, file: RemoteFile, commit: str, start: int, *, stall_timeout: float
    ) -> Iterator[ByteStream]:
        """GET `file` from byte `start`, following redirects; the token stays on the endpoint."""
        self._check_online(repo)
        import httpx2
        from huggingface_hub import get_session
        from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]

        url = self.file_url(repo, file.path, commit)
        headers = build_hf_headers(token=self._token_arg, library_name=LIBRARY_NAME)
        headers["Accept-Encoding"] = "identity"  # sizes and offsets must be the file's own
        if start:
            headers["Range"] = f"bytes={start}-"
        endpoint_origin = _origin(self.config.endpoint)
        timeout = httpx2.Timeout(stall_timeout, connect=min(stall_timeout, 30.0))
        client = get_session()
        for _ in range(_MAX_REDIRECTS):
            try:
                request = client.build_request("GET", url, headers=headers, timeout=timeout)
                response = client.send(request, stream=True, follow_redirects=False)
            except (
                httpx2.TimeoutException,
                httpx2.NetworkError,
                httpx2.RemoteProtocolError,
            ) as err:
                raise TransientNetworkError(
                    translate("Hub", "cannot connect to {host}: {error}").format(
                        host=_host(url), error=err
                    )
                ) from err
            except _hub_errors() as err:  # e.g. huggingface_hub's offline guard (a hook)
                raise self._translate(err, repo=repo, revision=commit, path=file.path) from err
            try:
                if response.has_redirect_location:
                    url = urljoin(url, response.headers["Location"])
                    if _origin(url) != endpoint_origin:
                        # A CDN's signed URL needs no token, and must not receive it.
                        headers.pop("authorization", None)
                        headers.pop("Authorization", None)
                    continue
                status = response.status_code
                if status in (200, 206):
                    offset = _content_range_start(response) if status == 206 else 0
                    yield ByteStream(offset, response, stall_timeout)
                    return
                if status == 416:
                    raise RangeNotSatisfiableError()
                if status in _RETRYABLE_STATUS:
                    raise TransientNetworkError(
                        translate("Hub", "the server answered HTTP {status}").format(status=status),
                        _retry_after(response),
                    )
                response.read()
                raise self._status_error(response, repo=repo, path=file.path, revision=commit)
            finally:
                response.close()
        raise HubResponseError(
            translate(
                "Hub", "Too many redirects while downloading {path} from {repo}. Try again later."
            ).format(path=file.path, repo=repo)
        )

    def close(self) -> None:
        """Close pooled connections (huggingface_hub's shared session); it reopens when needed."""
        from huggingface_hub import close_session

        close_session()

    # -- errors -----------------------------------------------------------------------------

    @property
    def _token_arg(self) -> str | bool:
        # False, not None: None would make huggingface_hub look up a token itself.
        return self.config.token or False

    def _check_online(self, repo: str) -> None:
        if self.config.offline:
            raise HubOfflineError(_offline_message(repo))

    def _status_error(
        self, response: Any, *, repo: str, path: str | None, revision: str
    ) -> Exception:
        from huggingface_hub import hf_raise_for_status

        try:
            hf_raise_for_status(response)
        except _hub_errors() as err:  # sorted out by _translate
            translated = self._translate(err, repo=repo, path=path, revision=revision)
            translated.__cause__ = err
            return translated
        return HubResponseError(
            translate("Hub", "The hub answered HTTP {status} for {what}. Try again later.").format(
                status=response.status_code, what=path or repo
            )
        )

    def _translate(
        self, err: Exception, *, repo: str, revision: str, path: str | None = None
    ) -> Exception:
        """A huggingface_hub/httpx2 error as the AppError the user reads (or a retryable error)."""
        import httpx2
        from huggingface_hub import errors as hf

        if isinstance(err, AppError | TransientNetworkError):
            return err
        if isinstance(err, hf.OfflineModeIsEnabled):
            return HubOfflineError(_offline_message(repo))
        if isinstance(
            err, httpx2.TimeoutException | httpx2.NetworkError | httpx2.RemoteProtocolError
        ):
            return TransientNetworkError(f"{type(err).__name__}: {err}")
        response = getattr(err, "response", None)
        status = getattr(response, "status_code", None)
        page = self.repo_page(repo)
        tokens = f"{self.config.endpoint}/settings/tokens"
        # GatedRepoError subclasses RepositoryNotFoundError: test it first.
        if isinstance(err, hf.GatedRepoError) or status in (401, 403):
            if status == 403 or (self.config.token and isinstance(err, hf.GatedRepoError)):
                return HubAccessError(
                    translate(
                        "Hub",
                        "{repo} is gated and your Hugging Face token has no access to it "
                        "(HTTP {status}). Accept the model's terms on {page} with the account the "
                        "token belongs to (approval can take a while), then try again.",
                    ).format(repo=repo, status=status, page=page)
                )
            if self.config.token:
                return HubAccessError(
                    translate(
                        "Hub",
                        "The hub refused your Hugging Face token for {repo} (HTTP 401): it is "
                        "invalid, expired or cannot read this repo. Create a read token at "
                        "{tokens}, set HF_TOKEN to it, and try again.",
                    ).format(repo=repo, tokens=tokens)
                )
            return HubAccessError(
                translate(
                    "Hub",
                    "{repo} is gated or private: the hub answered HTTP 401 because no token was "
                    "sent. Accept its terms on {page} while signed in, create a read token at "
                    "{tokens}, set HF_TOKEN to it, and try again.",
                ).format(repo=repo, page=page, tokens=tokens)
            )
        if isinstance(err, hf.RepositoryNotFoundError):
            return RepoNotFoundError(
                translate(
                    "Hub",
                    "Model repo {repo} was not found on {endpoint}. Check the name "
                    "(owner/name); if it is private, set HF_TOKEN to a token that can read it.",
                ).format(repo=repo, endpoint=self.config.endpoint)
            )
        if isinstance(err, hf.RevisionNotFoundError):
            return RevisionNotFoundError(
                translate(
                    "Hub",
                    "Revision {revision} of {repo} was not found on the hub. Use a branch, tag or "
                    "commit that exists (the default is main).",
                ).format(revision=revision, repo=repo)
            )
        if isinstance(err, hf.RemoteEntryNotFoundError) or status == 404:
            if path:
                message = translate(
                    "Hub",
                    "{path} was not found in {repo} at revision {commit} (HTTP 404). It may have "
                    "been renamed or removed upstream: see {page} for the current files.",
                )
            else:
                message = translate(
                    "Hub",
                    "A file was not found in {repo} at revision {commit} (HTTP 404). It may have "
                    "been renamed or removed upstream: see {page} for the current files.",
                )
            return RemoteFileNotFoundError(
                message.format(path=path, repo=repo, commit=revision[:12], page=page)
            )
        if status in _RETRYABLE_STATUS:
            return TransientNetworkError(
                translate("Hub", "the server answered HTTP {status}").format(status=status)
            )
        if isinstance(err, hf.HfHubHTTPError):
            return HubResponseError(
                translate(
                    "Hub", "The hub answered HTTP {status} for {what}. Try again later."
                ).format(status=status, what=path or repo)
            )
        return err


def _hub_errors() -> tuple[type[Exception], ...]:
    """What huggingface_hub and its HTTP client raise: its errors are OSErrors (HTTP status,
    offline mode), the client's are httpx2.HTTPErrors (connections, timeouts)."""
    import httpx2

    return (OSError, httpx2.HTTPError)


def _offline_message(repo: str) -> str:
    return translate(
        "Hub",
        "Cannot reach the Hugging Face Hub for {repo}: offline mode is on "
        "(HF_HUB_OFFLINE is set). Unset HF_HUB_OFFLINE to go online.",
    ).format(repo=repo)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme, 0)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _content_range_start(response: Any) -> int:
    """`bytes 100-199/200` → 100."""
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return 0


def _retry_after(response: Any) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
