"""The Hugging Face cache layout, read and written by hand so other tools share our files.

`models--org--name/blobs/<etag>` holds the bytes (etag = sha256 for LFS files, git sha1 otherwise),
`snapshots/<commit>/<path>` links to the blob, and `refs/<branch>` names the commit a branch was
at. On Windows without symlink rights the snapshot holds the file itself, as huggingface_hub does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from backend.atomic_file import write_text_atomically

_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The HF cache folder, read from the environment now (huggingface_hub reads it at import)."""
    env = os.environ if environ is None else environ
    explicit = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(explicit)).expanduser()
    return hf_home(env) / "hub"


def hf_home(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    home = env.get("HF_HOME")
    if home:
        return Path(os.path.expandvars(home)).expanduser()
    xdg = env.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(os.path.expandvars(xdg)).expanduser() / "huggingface"


def is_commit(revision: str) -> bool:
    return bool(_COMMIT_RE.match(revision))


def repo_folder(cache_dir: Path, repo: str) -> Path:
    return cache_dir / ("models--" + repo.replace("/", "--"))


def repo_from_folder(folder_name: str) -> str | None:
    if not folder_name.startswith("models--"):
        return None
    return folder_name[len("models--") :].replace("--", "/")


def blob_path(cache_dir: Path, repo: str, etag: str) -> Path:
    return repo_folder(cache_dir, repo) / "blobs" / etag


def snapshot_path(cache_dir: Path, repo: str, commit: str, path: str) -> Path:
    return repo_folder(cache_dir, repo) / "snapshots" / commit / Path(*path.split("/"))


def link_snapshot(cache_dir: Path, repo: str, commit: str, path: str, etag: str) -> Path:
    """Point `snapshots/<commit>/<path>` at the blob; without symlink rights, move it there."""
    blob = blob_path(cache_dir, repo, etag)
    link = snapshot_path(cache_dir, repo, commit, path)
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    try:
        # Relative, like huggingface_hub: the cache keeps working when moved or backed up.
        link.symlink_to(os.path.relpath(blob, link.parent))
    except OSError:
        os.replace(blob, link)
    return link


def write_ref(cache_dir: Path, repo: str, revision: str, commit: str) -> None:
    """Record which commit a branch or tag resolved to; a commit needs no ref."""
    if revision == commit or is_commit(revision):
        return
    ref = repo_folder(cache_dir, repo) / "refs" / revision
    if ref.is_file() and ref.read_text(encoding="utf-8").strip() == commit:
        return
    write_text_atomically(ref, commit)


@dataclass(frozen=True, slots=True)
class CachedFile:
    repo: str
    commit: str
    path: str  # repo-relative, "/"-separated
    local_path: Path  # the snapshot entry (what llama.cpp is given)
    etag: str | None  # the blob name: sha256 for LFS files; None when the snapshot holds the file
    size: int


def scan(cache_dir: Path, suffix: str = ".gguf") -> Iterator[CachedFile]:
    """Every file ending in `suffix` in every snapshot of every model repo of the cache."""
    if not cache_dir.is_dir():
        return
    for folder in sorted(cache_dir.iterdir()):
        repo = repo_from_folder(folder.name)
        snapshots = folder / "snapshots"
        if repo is None or not snapshots.is_dir():
            continue
        for commit_dir in sorted(p for p in snapshots.iterdir() if p.is_dir()):
            for entry in sorted(commit_dir.rglob(f"*{suffix}")):
                if not (entry.is_symlink() or entry.is_file()):
                    continue
                etag = Path(os.readlink(entry)).name if entry.is_symlink() else None
                try:
                    size = entry.stat().st_size
                except FileNotFoundError:  # a dangling link: the blob was removed
                    size = -1
                yield CachedFile(
                    repo=repo,
                    commit=commit_dir.name,
                    path=entry.relative_to(commit_dir).as_posix(),
                    local_path=entry,
                    etag=etag,
                    size=size,
                )


def remove_files(cache_dir: Path, repo: str, commit: str, paths: list[str]) -> int:
    """Delete snapshot entries and the blobs no other snapshot still uses; returns bytes freed."""
    root = repo_folder(cache_dir, repo)
    blobs_in_question: set[Path] = set()
    freed = 0
    for path in paths:
        entry = snapshot_path(cache_dir, repo, commit, path)
        if entry.is_symlink():
            blobs_in_question.add((entry.parent / os.readlink(entry)).resolve())
            entry.unlink()
        elif entry.is_file():
            freed += entry.stat().st_size
            entry.unlink()
    still_used = {p.resolve() for p in (root / "snapshots").rglob("*") if p.is_symlink()}
    for blob in blobs_in_question - still_used:
        if blob.is_file():
            freed += blob.stat().st_size
            blob.unlink()
    _prune_empty_dirs(root / "snapshots")
    if not any((root / "snapshots").glob("*")) and not any(
        b for b in (root / "blobs").glob("*") if not b.name.endswith(".lock")
    ):
        # Nothing of the repo is left: drop its refs too, so other tools do not see a ghost.
        for leftover in sorted(root.rglob("*"), reverse=True):
            if leftover.is_file() or leftover.is_symlink():
                leftover.unlink()
            else:
                leftover.rmdir()
        root.rmdir()
    return freed


def _prune_empty_dirs(top: Path) -> None:
    if not top.is_dir():
        return
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
