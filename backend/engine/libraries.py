"""llama-cpp-python's bundled native libraries: where they are and what they can run.

Found without importing `llama_cpp` (that import costs ~0.3 s and belongs to the engine), so
preflight checks and device queries stay cheap and run before llama.cpp sees any file.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

# Architectures our pinned llama.cpp is known to run, used only when the library can't be read.
_FALLBACK_ARCHES = frozenset(
    {"deepseek", "deepseek2", "deepseek32", "deepseek4", "llama", "qwen2", "qwen3", "qwen3moe",
     "mistral3", "gemma3", "phi3", "glm4moe", "kimi-linear", "gpt-oss"}
)


@functools.cache
def lib_dir() -> Path | None:
    """The folder holding libllama and libggml*, or None when llama-cpp-python is missing."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "lib"
    return folder if folder.is_dir() else None


def lib_path(stem: str) -> Path | None:
    """Path of a bundled library such as `llama` or `ggml-base`, for this platform."""
    folder = lib_dir()
    if folder is None:
        return None
    if sys.platform == "win32":
        names = [f"{stem}.dll", f"lib{stem}.dll"]
    elif sys.platform == "darwin":
        names = [f"lib{stem}.dylib"]
    else:
        names = [f"lib{stem}.so"]
    for name in names:
        if (folder / name).exists():
            return folder / name
    return None


@functools.cache
def _libllama_bytes() -> bytes | None:
    path = lib_path("llama")
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def is_supported_architecture(arch: str) -> bool:
    """Whether llama.cpp can build a model of this architecture.

    llama.cpp keeps its architecture names as C strings in a table; the linker may share a
    name's bytes with a longer name ending the same way, so only the terminating NUL is required.
    """
    data = _libllama_bytes()
    if data is None:
        return arch in _FALLBACK_ARCHES
    if not arch or len(arch) < 3 or not arch.isascii() or "\0" in arch:
        return False
    return arch.encode() + b"\0" in data


@functools.cache
def runtime_name() -> str:
    """The bundled llama.cpp, as a user can look it up: "llama-cpp-python 0.3.36"."""
    try:
        return f"llama-cpp-python {importlib.metadata.version('llama_cpp_python')}"
    except importlib.metadata.PackageNotFoundError:
        return "llama-cpp-python"


@functools.cache
def load(stem: str) -> ctypes.CDLL | None:
    """ctypes handle to a bundled library (global symbols, as llama_cpp itself loads them)."""
    path = lib_path(stem)
    if path is None:
        return None
    mode = getattr(ctypes, "RTLD_GLOBAL", 0)
    try:
        return ctypes.CDLL(str(path), mode=mode)
    except OSError:
        return None
