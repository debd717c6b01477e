"""Whether this app's llama.cpp can load a model file, decided before llama.cpp sees it.

The GGUF reader checks the file itself; only the engine knows which architectures its bundled
library runs, so the two meet here.
"""

from __future__ import annotations

from pathlib import Path

from backend.engine.libraries import is_supported_architecture, runtime_name
from backend.gguf.model_info import ModelInfo, inspect_model
from backend.gguf.reader import GGUFModel, check_supported, read_model


def inspect_loadable(path: str | Path) -> ModelInfo:
    """Read `path` and check this llama.cpp can run it; raises `ModelFileError` if not."""
    return inspect_model(path, is_supported_architecture, runtime_name())


def read_loadable(path: str | Path) -> GGUFModel:
    """The GGUF header of a file this llama.cpp can run; raises `ModelFileError` if not."""
    return read_model(path, runs_architecture=is_supported_architecture, runtime=runtime_name())


def check_loadable(model: GGUFModel) -> None:
    """Raise `ModelFileError` if this llama.cpp cannot run `model` (already read), including
    DeepSeek-V3.2/V4 files whose shape would crash it."""
    check_supported(model, is_supported_architecture, runtime=runtime_name())
