"""llama.cpp RPC: detected from the bundled libraries; a build without it explains itself."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from backend.engine import libraries, rpc
from backend.engine.local_engine import LoadSettings, LocalEngine
from backend.errors import InvalidOptionError, ModelLoadError


def test_detection_agrees_with_llama_cpp_itself() -> None:
    llama = libraries.load("llama")
    assert llama is not None
    llama.llama_supports_rpc.restype = ctypes.c_bool
    assert rpc.supported() is bool(llama.llama_supports_rpc())


def test_worker_addresses() -> None:
    assert rpc.parse_servers(" 192.168.1.20:50052,gpu-2:50052  [fe80::1]:7 ") == (
        "192.168.1.20:50052", "gpu-2:50052", "[fe80::1]:7")
    with pytest.raises(InvalidOptionError) as caught:
        rpc.parse_servers("gpu-2")
    assert str(caught.value) == ("'gpu-2' is not an RPC worker address: write host:port, e.g. "
                                 "192.168.1.20:50052.")


@pytest.mark.skipif(rpc.supported(), reason="this llama.cpp has RPC")
def test_loading_with_workers_on_a_build_without_rpc_is_explained(r1_model: Path) -> None:
    with pytest.raises(ModelLoadError) as caught:
        LocalEngine().load(r1_model, LoadSettings(n_ctx=512, rpc_servers=("127.0.0.1:50052",)))
    assert str(caught.value) == (f"llama.cpp could not load {r1_model.name}: this llama.cpp was "
                                 "built without RPC support (-DGGML_RPC=on)")
