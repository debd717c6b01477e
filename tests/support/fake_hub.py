"""A fake Hugging Face Hub on 127.0.0.1: real HTTP, the endpoints huggingface_hub and our
downloader call, and fault injection (resets, stalls, tampered bytes, HTTP errors).

Files are served from disk (sendfile when no fault applies, so the benchmark measures the client).
`redirect_to_cdn=True` makes /resolve answer 302 to another origin (`localhost` instead of
`127.0.0.1`), like the real hub's CDN redirect, so tests can check the token stays home.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Self
from urllib.parse import parse_qs, unquote, urlsplit

_CHUNK = 64 * 1024


@dataclass
class FakeFile:
    path: str  # repo-relative
    source: Path  # the bytes served
    size: int
    sha256: str
    blob_id: str  # git sha1 of the content
    lfs: bool = True


@dataclass
class FakeRepo:
    repo_id: str
    commit: str
    files: dict[str, FakeFile] = field(default_factory=dict)
    gated: bool = False


@dataclass
class Fault:
    """Applies to GETs of files whose path ends with `path` (while `times` > 0).

    kind: "reset" (RST after `after` body bytes), "stall" (after `after` bytes, send nothing for
    `seconds`), "hold" (after `after` bytes, wait until `release` is set), "tamper" (flip the byte
    at `after`), "status" (answer `status` instead), "ignore-range" (answer 200, whole file).
    """

    path: str
    kind: str
    after: int = 0
    times: int = 1
    seconds: float = 0.0
    status: int = 500
    release: threading.Event = field(default_factory=threading.Event)
    fired: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names

    @property
    def range(self) -> str | None:
        return self.headers.get("range")


def file_digests(path: Path) -> tuple[int, str, str]:
    size = path.stat().st_size
    sha = hashlib.sha256()
    git = hashlib.sha1(usedforsecurity=False)
    git.update(b"blob %d\0" % size)
    with path.open("rb") as f:
        while data := f.read(1 << 20):
            sha.update(data)
            git.update(data)
    return size, sha.hexdigest(), git.hexdigest()


class FakeHub:
    def __init__(self, *, token: str = "hf_valid_token", redirect_to_cdn: bool = False) -> None:
        self.token = token
        self.redirect_to_cdn = redirect_to_cdn
        self.repos: dict[str, FakeRepo] = {}
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.cdn = f"http://localhost:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-hub",
            daemon=True,
        )
        self._thread.start()

    # -- setup ---------------------------------------------------------------------------------

    def add_repo(
        self, repo_id: str, files: dict[str, Path], *, gated: bool = False, lfs: bool = True
    ) -> FakeRepo:
        commit = hashlib.sha1(repo_id.encode() + str(len(self.repos)).encode()).hexdigest()
        repo = FakeRepo(repo_id, commit, gated=gated)
        for path, source in files.items():
            size, sha, blob = file_digests(source)
            repo.files[path] = FakeFile(path, source, size, sha, blob, lfs=lfs)
        self.repos[repo_id] = repo
        return repo

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def gets(self, path_suffix: str = "") -> list[RecordedRequest]:
        """GET requests that fetched file bytes (resolve or CDN), optionally for one file."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == "GET"
                and ("/resolve/" in r.path or r.path.startswith("/cdn/"))
                and r.path.endswith(path_suffix)
            ]

    def close(self) -> None:
        self._closing.set()
        for fault in self.faults:
            fault.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- used by the handler -------------------------------------------------------------------

    def _record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers))

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and path.endswith(fault.path):
                    fault.times -= 1
                    return fault
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that vanish mid-response (resets, kills) are part of the tests


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    # -- dispatch ------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(method, path, headers)
        body = b""
        if method == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path.startswith("/cdn/"):
            return self._serve_cdn(method, path)
        if path.startswith("/api/models/"):
            return self._api(method, path[len("/api/models/") :], parse_qs(url.query), body)
        if "/resolve/" in path:
            repo_id, rest = path.lstrip("/").split("/resolve/", 1)
            revision, _, file_path = rest.partition("/")
            return self._resolve(method, repo_id, revision, file_path)
        self._error(404, "RepoNotFound", "Not found")

    # -- API -----------------------------------------------------------------------------------

    def _api(self, method: str, rest: str, query: dict[str, list[str]], body: bytes) -> None:
        parts = rest.split("/")
        repo_id = "/".join(parts[:2])
        repo = self._repo_or_error(repo_id)
        if repo is None:
            return
        tail = parts[2:]
        revision = "main"
        if tail[:1] == ["revision"]:
            revision, tail = tail[1], []
        elif tail[:1] in (["paths-info"], ["tree"]):
            revision = tail[1]
        if revision not in ("main", repo.commit):
            return self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        if not tail:
            blobs = query.get("blobs", ["false"])[0].lower() == "true"
            return self._json(self._model_info(repo, blobs))
        if tail[0] == "paths-info" and method == "POST":
            wanted = parse_qs(body.decode()).get("paths", [])
            return self._json([self._entry(repo.files[p]) for p in wanted if p in repo.files])
        if tail[0] == "tree":
            prefix = "/".join(tail[2:])
            recursive = query.get("recursive", ["false"])[0].lower() == "true"
            return self._json(self._tree(repo, prefix, recursive))
        self._error(404, "EntryNotFound", "Not found")

    def _model_info(self, repo: FakeRepo, blobs: bool) -> dict[str, object]:
        siblings: list[dict[str, object]] = []
        for f in repo.files.values():
            item: dict[str, object] = {"rfilename": f.path}
            if blobs:
                item.update(size=f.size, blobId=f.blob_id)
                if f.lfs:
                    item["lfs"] = {"size": f.size, "sha256": f.sha256, "pointerSize": 134}
            siblings.append(item)
        return {
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "sha": repo.commit,
            "private": False,
            "gated": "manual" if repo.gated else False,
            "disabled": False,
            "tags": ["gguf"],
            "siblings": siblings,
        }

    def _entry(self, f: FakeFile) -> dict[str, object]:
        entry: dict[str, object] = {
            "type": "file",
            "path": f.path,
            "size": f.size,
            "oid": f.blob_id,
        }
        if f.lfs:
            entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
        return entry

    def _tree(self, repo: FakeRepo, prefix: str, recursive: bool) -> list[dict[str, object]]:
        base = prefix.strip("/") + "/" if prefix.strip("/") else ""
        out: list[dict[str, object]] = []
        folders: set[str] = set()
        for f in sorted(repo.files.values(), key=lambda f: f.path):
            if not f.path.startswith(base):
                continue
            rest = f.path[len(base) :]
            if "/" in rest and not recursive:
                folders.add(base + rest.split("/", 1)[0])
                continue
            if recursive:
                segments = rest.split("/")[:-1]
                for i in range(1, len(segments) + 1):
                    folders.add(base + "/".join(segments[:i]))
            out.append(self._entry(f))
        out.extend({"type": "directory", "path": d, "oid": "0" * 40} for d in sorted(folders))
        return out

    # -- files ---------------------------------------------------------------------------------

    def _resolve(self, method: str, repo_id: str, revision: str, file_path: str) -> None:
        repo = self._repo_or_error(repo_id)
        if repo is None:
            return
        if revision not in ("main", repo.commit):
            return self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        f = repo.files.get(file_path)
        if f is None:
            return self._error(404, "EntryNotFound", f'{file_path} does not exist on "{revision}"')
        meta = {"X-Repo-Commit": repo.commit, "ETag": f'"{f.sha256 if f.lfs else f.blob_id}"'}
        if f.lfs:
            meta.update({"X-Linked-Etag": f'"{f.sha256}"', "X-Linked-Size": str(f.size)})
        if self.fake.redirect_to_cdn and f.lfs:
            location = f"{self.fake.cdn}/cdn/{repo.repo_id}/{f.sha256}?signature=fake"
            self.send_response(302)
            for k, v in {**meta, "Location": location, "Content-Length": "0"}.items():
                self.send_header(k, v)
            self.end_headers()
            return
        self._send_file(method, f, meta)

    def _serve_cdn(self, method: str, path: str) -> None:
        _, _, rest = path.partition("/cdn/")
        repo_id, _, sha = rest.rpartition("/")
        repo = self.fake.repos.get(repo_id)
        f = next((f for f in repo.files.values() if f.sha256 == sha), None) if repo else None
        if f is None:
            return self._error(404, "EntryNotFound", "no such blob")
        self._send_file(method, f, {"ETag": f'"{f.sha256}"'})

    def _send_file(self, method: str, f: FakeFile, meta: dict[str, str]) -> None:
        fault = self.fake._take_fault(f.path) if method == "GET" else None
        if fault is not None and fault.kind == "status":
            fault.fired.set()
            return self._error(fault.status, "", f"injected HTTP {fault.status}")
        start, end = 0, f.size - 1
        rng = self.headers.get("Range")
        if fault is not None and fault.kind == "ignore-range":  # like a proxy that drops Range
            fault.fired.set()
            rng, fault = None, None
        status = 200
        if rng:
            spec = rng.strip().removeprefix("bytes=")
            first, _, last = spec.partition("-")
            start = int(first) if first else max(f.size - int(last), 0)
            end = int(last) if first and last else f.size - 1
            if start >= f.size:
                return self._error(
                    416,
                    "",
                    "Requested range not satisfiable",
                    {"Content-Range": f"bytes */{f.size}"},
                )
            status = 206
        length = end - start + 1
        self.send_response(status)
        headers = {
            **meta,
            "Accept-Ranges": "bytes",
            "Content-Length": str(length),
            "Content-Type": "application/octet-stream",
        }
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{f.size}"
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if method == "HEAD":
            return
        self.wfile.flush()
        with f.source.open("rb") as src:
            if fault is None:
                self.connection.sendfile(src, offset=start, count=length)
                return
            self._send_with_fault(src, start, length, fault)

    def _send_with_fault(self, src: BinaryIO, start: int, length: int, fault: Fault) -> None:
        src.seek(start)
        sent = 0
        while sent < length:
            data = bytearray(src.read(min(_CHUNK, length - sent)))
            pos = start + sent
            if fault.kind == "tamper" and pos <= fault.after < pos + len(data):
                data[fault.after - pos] ^= 0xFF
            cut_at = max(fault.after - start, 0)  # in body bytes
            if fault.kind in ("reset", "stall", "hold") and sent <= cut_at < sent + len(data):
                cut = cut_at - sent
                self.wfile.write(data[:cut])
                self.wfile.flush()
                fault.fired.set()
                if fault.kind == "reset":
                    # Let the client read what was sent: an RST discards unread bytes.
                    self.fake._closing.wait(0.1)
                    self._reset()
                    return
                if fault.kind == "stall":
                    self.fake._closing.wait(fault.seconds)
                else:
                    fault.release.wait()
                self.close_connection = True
                return
            self.wfile.write(data)
            sent += len(data)
        fault.fired.set()

    def _reset(self) -> None:
        """Abort the connection with a TCP RST, like a dropped link."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    # -- helpers -------------------------------------------------------------------------------

    def _repo_or_error(self, repo_id: str) -> FakeRepo | None:
        repo = self.fake.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
            return None
        if repo.gated:
            auth = self.headers.get("Authorization", "")
            if not auth:
                self._error(
                    401,
                    "GatedRepo",
                    f"Access to model {repo_id} is restricted. You must have access to it and be "
                    "authenticated to access it. Please log in.",
                )
                return None
            if auth != f"Bearer {self.fake.token}":
                self._error(
                    403,
                    "GatedRepo",
                    f"Access to model {repo_id} is restricted and you are not in the authorized "
                    "list.",
                )
                return None
        return repo

    def _json(self, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(
        self, status: int, code: str, message: str, extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
