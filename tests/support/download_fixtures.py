"""pytest fixtures for the download service's GUI tests (use with `tests.support.hub_fixtures`):
a fake hub serving the R1 split set and a distill, and download managers shut down after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.gui.downloads.download_manager import DownloadManager
from backend.paths import app_paths
from tests.support.download_setup import FAST, GPU_MACHINE, MakeManager, Settings, small_catalog
from tests.support.fake_hub import FakeHub
from tests.support.hub_setup import DISTILL_FILE, DISTILL_REPO, R1_REPO, Samples


@pytest.fixture
def model_hub(fake_hub: FakeHub, samples: Samples) -> FakeHub:
    fake_hub.add_repo(R1_REPO, samples.r1_files())
    fake_hub.add_repo(DISTILL_REPO, {DISTILL_FILE: samples.single})
    return fake_hub


@pytest.fixture
def make_manager(qtbot: Any, fake_hub: FakeHub) -> Iterator[MakeManager]:
    """`make_manager(settings=..., **kwargs)`: a manager with the small catalog, a fixed GPU
    machine and fast retries; each is shut down (and must stop in time) after the test."""
    made: list[DownloadManager] = []

    def make(settings: Settings | None = None, **kwargs: Any) -> DownloadManager:
        settings = settings or Settings()
        kwargs.setdefault("catalog", small_catalog())
        kwargs.setdefault("machine", GPU_MACHINE)
        kwargs.setdefault("policy", FAST)
        manager = DownloadManager(settings, app_paths().ensure(), **kwargs)
        manager.token_entered.connect(settings.save_token)
        made.append(manager)
        return manager

    yield make
    for fault in fake_hub.faults:
        fault.release.set()
    for manager in made:
        assert manager.shutdown(5000)
