"""Names and helpers shared by the model-manager tests (the fixtures live in `hub_fixtures`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.hub.client import Hub, HubConfig
from backend.hub.manifest import Manifest
from tests.support.fake_hub import FakeHub

R1_REPO = "unsloth/DeepSeek-R1-GGUF"
R1_QUANT = "UD-IQ1_S"
DISTILL_REPO = "unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF"
DISTILL_FILE = "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf"


@dataclass(frozen=True)
class Samples:
    split_parts: tuple[Path, ...]  # DeepSeek-R1-UD-IQ1_S-0000i-of-00003.gguf, ~1.5 MB each
    single: Path  # a ~3 MB distill-like file
    readme: Path  # a small non-LFS file

    def r1_files(self) -> dict[str, Path]:
        return {f"DeepSeek-R1-{R1_QUANT}/{p.name}": p for p in self.split_parts}


def make_hub(fake: FakeHub, tmp: Path, token: str | None = None) -> Hub:
    config = HubConfig(
        endpoint=fake.endpoint, token=token, offline=False, cache_dir=tmp / "hf-cache"
    )
    return Hub(config)


def make_manifest(tmp: Path) -> Manifest:
    return Manifest(tmp / "app-home" / "data" / "manifest.json")
