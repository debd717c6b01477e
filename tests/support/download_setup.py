"""Names and helpers for the download service's GUI tests: settings the app would own, a fixed
machine for deterministic verdicts, a two-model catalog, fast retries, and a disk that fills up."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Self

from PySide6.QtCore import QObject, Slot

from backend.engine.offload import GpuBudget, Machine
from backend.hub.catalog import Catalog, load_catalog
from backend.hub.transfer import RetryPolicy, open_part
from backend.retry import Backoff
from backend.settings import Settings as AppSettings
from tests.support.hub_setup import DISTILL_REPO, R1_QUANT, R1_REPO

if TYPE_CHECKING:
    from app.gui.downloads.download_manager import DownloadManager

MakeManager = Callable[..., "DownloadManager"]

# Stalls end after 0.5 s, so a pause or cancel on a held connection lands quickly.
FAST = RetryPolicy(Backoff(attempts=4, base_delay_s=0.01, max_delay_s=0.05),
                   stall_timeout_s=0.5)
GPU_MACHINE = Machine((GpuBudget("Test GPU", 24_000_000_000, 24_000_000_000, 1000.0),),
                      ram_available=64_000_000_000, ram_bandwidth_gbs=60.0)
PART1 = f"DeepSeek-R1-{R1_QUANT}/DeepSeek-R1-{R1_QUANT}-00001-of-00003.gguf"
PART2 = f"DeepSeek-R1-{R1_QUANT}/DeepSeek-R1-{R1_QUANT}-00002-of-00003.gguf"


def small_catalog() -> Catalog:
    """The shipped catalog's R1 and Distill-Qwen-7B entries: the repos the fake hub serves."""
    return Catalog(tuple(m for m in load_catalog().models if m.repo in (R1_REPO, DISTILL_REPO)))


class Settings(QObject):
    """The app's part for the download manager: the current settings (calling it gives them),
    and saving a token the user entered (`token_entered` is connected to `save_token`)."""

    def __init__(self, hf_token: str | None = None, download_dir: str | None = None) -> None:
        super().__init__()
        self.value = AppSettings(hf_token=hf_token, download_dir=download_dir)
        self.saved_tokens: list[str] = []

    def __call__(self) -> AppSettings:
        return self.value

    @Slot(str)
    def save_token(self, token: str) -> None:
        self.value = replace(self.value, hf_token=token)
        self.saved_tokens.append(token)


@dataclass
class FullDisk:
    """`open_part` for a disk that fills after `room` bytes: writes then fail with ENOSPC."""

    room: int

    def __call__(self, path: Path) -> BinaryIO:
        inner = open_part(path)
        disk = self

        class Writer:
            def write(self, data: memoryview) -> int:
                if len(data) > disk.room:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                disk.room -= len(data)
                return inner.write(data)  # type: ignore[return-value]

            def __getattr__(self, name: str) -> object:
                return getattr(inner, name)

            def __enter__(self) -> Self:
                return self

            def __exit__(self, *exc: object) -> None:
                inner.close()

        return Writer()  # type: ignore[return-value]


def mount_point(path: Path) -> Path:
    path = path.resolve()
    while not os.path.ismount(path):
        path = path.parent
    return path
