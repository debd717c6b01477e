"""pytest fixtures for model-manager tests: a hermetic environment, sample GGUFs, a fake hub.

A test module uses them with `pytest_plugins = ["tests.support.hub_fixtures"]` (and imports
names and helpers from `tests.support.hub_setup`, never from this module).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_hub import FakeHub
from tests.support.gguf_samples import write_gguf
from tests.support.hub_setup import DISTILL_FILE, R1_QUANT, Samples


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    root = tmp_path_factory.mktemp("gguf-samples")
    parts = write_gguf(
        root / f"DeepSeek-R1-{R1_QUANT}.gguf", arch="deepseek2", tensors=6, split_max_tensors=2
    )
    single = write_gguf(root / DISTILL_FILE, arch="qwen2", tensors=4, seed=1)[0]
    readme = root / "README.md"
    readme.write_text("# a model card\n", encoding="utf-8")
    return Samples(tuple(parts), single, readme)


@pytest.fixture
def hf_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HF_HOME, HF_HUB_CACHE and DEEPSEEK_LOCAL_HOME under tmp_path; no token, online."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("DEEPSEEK_LOCAL_HOME", str(tmp_path / "app-home"))
    for name in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_HUB_OFFLINE",
        "HF_ENDPOINT",
        "HF_TOKEN_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def fake_hub(hf_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    hub = FakeHub()
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    try:
        yield hub
    finally:
        # Close pooled client connections first, so the server's handler threads can finish.
        from huggingface_hub.utils import close_session

        close_session()
        hub.close()
