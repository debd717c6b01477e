"""`python -m app models ...`: the model manager without a window, for people and for scripts.

Subcommands: catalog, download, list, verify, remove. Human progress goes to stderr (stdout keeps
only results, e.g. the downloaded model's path); `--json` prints one JSON object per line on
stdout instead, ending with an `error` event if it fails. Exit codes as every command
(`app.cli.commands`); Ctrl+C cancels a download cleanly, and running it again resumes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading
import time
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

from app.cli.commands import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    common_options,
    data_dir_option,
    profile_paths,
)
from backend.errors import AppError
from backend.hub.catalog import CatalogOption, VerdictFn, load_catalog, resolve_catalog
from backend.hub.client import Hub
from backend.hub.downloader import Downloader, FolderDestination, plan_download
from backend.hub.library import Library, LibraryModel
from backend.hub.manifest import Manifest
from backend.hub.transfer_events import (
    DownloadControl,
    DownloadEvent,
    DownloadProgress,
    FileStarted,
    FileVerified,
    JobFinished,
    JobStarted,
    Paused,
    Resumed,
    Retrying,
    Verifying,
)
from backend.units import format_bytes as _size


def verdict_function() -> VerdictFn | None:
    """The hardware-fit verdict shown as the FIT column of `models catalog`.

    Planned for this machine's devices, as a real load would be.
    """
    from backend.engine import devices
    from backend.hub.fit import verdict_function as planned_verdict

    return planned_verdict(devices.probe().machine())


def add_models_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from app.cli.commands import Parser

    models = subparsers.add_parser(
        "models",
        help="browse, download, verify and remove models",
        description="Browse the DeepSeek catalog, download verified models, manage installed ones.",
    )
    sub = models.add_subparsers(dest="models_command", metavar="COMMAND", parser_class=Parser)
    options = [common_options(), data_dir_option()]

    catalog = sub.add_parser(
        "catalog", parents=options, help="list the DeepSeek checkpoints with live sizes from the hub"
    )
    catalog.add_argument("--json", action="store_true", help="one JSON object per quant on stdout")

    download = sub.add_parser("download", parents=options, help="download a model (all split parts), verified")
    download.add_argument("repo", metavar="REPO", help="hub repo, e.g. unsloth/DeepSeek-R1-GGUF")
    what = download.add_mutually_exclusive_group()
    what.add_argument("--quant", metavar="Q", help="every file of this quant, split parts included")
    what.add_argument(
        "--file", metavar="PATH", action="append", help="a file of the repo (repeatable)"
    )
    download.add_argument(
        "--dir", metavar="DIR", help="download into this folder instead of the HF cache"
    )
    download.add_argument(
        "--revision", default="main", help="branch, tag or commit (default: main)"
    )
    download.add_argument("--json", action="store_true", help="JSON-lines events on stdout")

    listing = sub.add_parser("list", parents=options, help="list installed models")
    listing.add_argument("--json", action="store_true", help="one JSON object per model on stdout")

    verify = sub.add_parser("verify", parents=options, help="re-check installed models against their hashes")
    verify.add_argument("target", nargs="?", metavar="NAME|PATH", help="one model (default: all)")
    verify.add_argument("--json", action="store_true", help="one JSON object per model on stdout")

    remove = sub.add_parser("remove", parents=options, help="delete an installed model from disk")
    remove.add_argument("name", metavar="NAME", help="model name (see `models list`) or path")
    remove.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")

    models.set_defaults(run=run_models)


def run_models(args: argparse.Namespace) -> int:
    commands = {
        "catalog": _catalog,
        "download": _download,
        "list": _list,
        "verify": _verify,
        "remove": _remove,
    }
    try:
        return commands[args.models_command](args)
    except AppError as err:
        if getattr(args, "json", False):  # scripts reading stdout learn it failed, and why
            _emit_json(sys.stdout,
                       {"event": "error", "error": type(err).__name__, "message": str(err)})
        raise  # the message and the exit code: app.cli.commands


# -- catalog ------------------------------------------------------------------------------------


def _catalog(args: argparse.Namespace) -> int:
    verdict = verdict_function()
    options = resolve_catalog(load_catalog(), Hub(), verdict=verdict)
    if args.json:
        for option in options:
            _emit_json(sys.stdout, _option_json(option, with_verdict=verdict is not None))
        return EXIT_OK
    headers = (
        ["MODEL", "QUANT", "SIZE", "FILES", "THINKING"] + (["FIT"] if verdict else []) + ["LICENSE"]
    )
    rows = []
    problems: dict[str, str] = {}
    for o in options:
        if o.available:
            size = _size(o.total_bytes)
        elif o.approximate:
            size = f"~{_size(o.total_bytes)} (approximate)"
        else:
            size = "unavailable"
        row = [o.model.name, o.quant, size, str(len(o.files)) if o.files else "-", o.thinking.value]
        if verdict:
            row.append(o.verdict.text if o.verdict else "-")
        rows.append([*row, o.model.license])
        if o.problem:
            problems.setdefault(o.problem, f"{o.model.name} {o.quant}")
    _print_table(headers, rows, sys.stdout)
    if options and all(o.commit is None for o in options):
        # The hub was not reached at all: one reason is enough.
        reason = next((o.problem for o in options if o.model.runnable()), options[0].problem)
        print(f"note: the hub could not be reached, so sizes are the catalog's approximate ones "
              f"and nothing can be downloaded now: {reason}", file=sys.stderr)
        return EXIT_OK
    for problem, where in problems.items():
        print(f"note: {where}: {problem}", file=sys.stderr)
    return EXIT_OK


def _option_json(o: CatalogOption, *, with_verdict: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": o.model.name,
        "id": o.model.id,
        "repo": o.repo,
        "quant": o.quant,
        "family": o.family.value,
        "thinking": o.thinking.value,
        "revision": o.commit,
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in o.files],
        "total_bytes": o.total_bytes,
        "approximate": o.approximate,
        "sampling": {"temperature": o.model.sampling.temperature, "top_p": o.model.sampling.top_p},
        "system_prompt": o.model.system_prompt,
        "license": o.model.license,
        "license_note": o.model.license_note,
        "problem": o.problem,
    }
    if with_verdict:
        out["fit"] = o.verdict.text if o.verdict else None
    return out


# -- download -----------------------------------------------------------------------------------


def _download(args: argparse.Namespace) -> int:
    hub = Hub()
    destination = FolderDestination(Path(args.dir).expanduser().resolve()) if args.dir else None
    plan = plan_download(
        hub,
        args.repo,
        quant=args.quant,
        paths=args.file or (),
        revision=args.revision,
        destination=destination,
        catalog=load_catalog(),
    )
    control = DownloadControl()
    reporter: _Reporter = _JsonReporter(sys.stdout) if args.json else _HumanReporter(sys.stderr)

    def on_sigint(_signum: int, _frame: object) -> None:
        control.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C is immediate

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_sigint) if main_thread else None
    try:
        manifest = Manifest(profile_paths(args).manifest_file)
        result = Downloader(hub, manifest).run(plan, control, reporter)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
        reporter.close()
    if not result.completed:
        print(
            "Download cancelled; the partial files were kept: run the same command again to "
            "resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not args.json:
        print(result.model_path or "")
    return EXIT_OK


class _Reporter:
    def __call__(self, event: DownloadEvent) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _JsonReporter(_Reporter):
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: DownloadEvent) -> None:
        if isinstance(event, JobFinished):
            r = event.result
            payload: dict[str, Any] = {
                "event": "finished",
                "status": r.reason.value,
                "repo": r.repo,
                "revision": r.commit,
                "model_path": r.model_path,
                "files": [_plain(f) for f in r.files],
            }
        else:
            payload = {"event": _event_name(event), **_plain(event)}
        _emit_json(self.out, payload)


class _HumanReporter(_Reporter):
    """Progress lines on stderr: rewritten in place on a terminal, every few seconds otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._last = 0.0
        self._dirty = False

    def __call__(self, event: DownloadEvent) -> None:
        if isinstance(event, DownloadProgress):
            now = time.monotonic()
            if now - self._last < (0.5 if self.tty else 5.0):
                return
            self._last = now
            line = (
                f"[{event.file_index}/{event.file_count}] {Path(event.path).name}  "
                f"{_size(event.file_done)}/{_size(event.file_total)}  total "
                f"{_size(event.done)}/{_size(event.total)} ({_percent(event.done, event.total)})  "
                f"{_size(int(event.speed_bps))}/s  ETA {_duration(event.eta_s)}"
            )
            if self.tty:
                self.out.write("\r\x1b[K" + line)
                self._dirty = True
            else:
                self.out.write(line + "\n")
            self.out.flush()
            return
        message = self._describe(event)
        if message:
            self._line(message)

    def _describe(self, event: DownloadEvent) -> str:
        match event:
            case JobStarted():
                have = f", {_size(event.present)} already here" if event.present else ""
                return (
                    f"Downloading {event.repo} @ {event.commit[:12]}: {event.file_count} files, "
                    f"{_size(event.total)}{have} → {event.destination}"
                )
            case FileStarted() if event.resume_from:
                return f"Resuming {Path(event.path).name} from {_size(event.resume_from)}"
            case Verifying():
                return f"Checking {_size(event.size)} already downloaded of {Path(event.path).name}"
            case Retrying():
                return (
                    f"Connection problem on {Path(event.path).name}: {event.reason}; retry "
                    f"{event.attempt}/{event.max_attempts} in {event.delay_s:.0f} s"
                )
            case Paused():
                return "Paused."
            case Resumed():
                return "Resumed."
            case FileVerified():
                return f"Verified {Path(event.path).name} (sha256 {event.sha256[:12]}…)"
            case JobFinished() if event.result.completed:
                return "All files verified."
        return ""

    def _line(self, text: str) -> None:
        if self._dirty:
            self.out.write("\r\x1b[K")
            self._dirty = False
        self.out.write(text + "\n")
        self.out.flush()

    def close(self) -> None:
        if self._dirty:
            self.out.write("\n")
            self.out.flush()


# -- list / verify / remove ---------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    models = Library.of(profile_paths(args)).models()
    if args.json:
        for m in models:
            _emit_json(sys.stdout, _model_json(m))
        return EXIT_OK
    if not models:
        print("No models installed. Try `python -m app models catalog`.", file=sys.stderr)
        return EXIT_OK
    rows = [
        [m.name, m.state.value, _size(m.size_bytes), m.source.value, str(m.path), m.note]
        for m in models
    ]
    _print_table(["NAME", "STATE", "SIZE", "SOURCE", "PATH", "NOTE"], rows, sys.stdout)
    return EXIT_OK


def _model_json(m: LibraryModel) -> dict[str, Any]:
    return {**_plain(m), "loadable": m.loadable}


def _verify(args: argparse.Namespace) -> int:
    library = Library.of(profile_paths(args))
    models = [library.find(args.target)] if args.target else library.models()
    if not models:
        print("No models installed: nothing to verify.", file=sys.stderr)
        return EXIT_OK
    all_ok = True
    for model in models:
        if not args.json:
            print(f"Verifying {model.name} ({_size(model.size_bytes)})...", file=sys.stderr)
        report = library.verify(model)
        all_ok &= report.ok
        if args.json:
            _emit_json(sys.stdout, {"event": "verified", **_plain(report), "path": str(model.path)})
        else:
            print(report.message, file=sys.stdout if report.ok else sys.stderr)
    return EXIT_OK if all_ok else EXIT_FAILED


def _remove(args: argparse.Namespace) -> int:
    library = Library.of(profile_paths(args))
    model = library.find(args.name)
    summary = (
        f"{model.name} ({len(model.files)} files, {_size(model.size_bytes)}) in {model.path.parent}"
    )
    if not args.yes:
        print(f"Delete {summary} from disk? [y/N] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing deleted.", file=sys.stderr)
            return EXIT_FAILED
    freed = library.delete(model)
    print(f"Deleted {model.name}: {_size(freed)} freed.")
    return EXIT_OK


# -- formatting ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Dataclasses, enums and paths as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _event_name(event: DownloadEvent) -> str:
    names = {
        "JobStarted": "started",
        "FileStarted": "file_started",
        "Verifying": "verifying",
        "DownloadProgress": "progress",
        "Retrying": "retrying",
        "Paused": "paused",
        "Resumed": "resumed",
        "FileVerified": "file_verified",
    }
    return names.get(type(event).__name__, type(event).__name__.lower())


def _emit_json(out: TextIO, payload: dict[str, Any]) -> None:
    out.write(json.dumps(payload) + "\n")
    out.flush()


def _print_table(headers: list[str], rows: list[list[str]], out: TextIO) -> None:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    out.writelines(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in [headers, *rows]
    )


def _percent(done: int, total: int) -> str:
    return f"{100 * done / total:.0f}%" if total else "100%"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
