"""What a failed load tells the user: out-of-memory is recognised and says what to change."""

from __future__ import annotations

from pathlib import Path

from backend.engine.local_engine import _load_error
from backend.engine.offload import GiB, GpuBudget, Machine, plan_offload
from backend.errors import ModelLoadError, OutOfMemoryError
from backend.gguf.model_info import describe
from backend.gguf.reader import read_model
from backend.gguf.shapes import deepseek_v3_layout
from tests.support.tiny_model import write_tiny_model


def test_out_of_memory_is_explained(tmp_path: Path) -> None:
    info = describe(read_model(write_tiny_model(tmp_path / "DeepSeek-R1-Tiny.gguf")))
    plan = plan_offload(deepseek_v3_layout("UD-IQ1_S"),
                        Machine((GpuBudget("GPU", 24 * GiB, 24 * GiB),), 256 * GiB))
    error = _load_error(info, plan, "unable to allocate CUDA0 buffer")
    assert isinstance(error, OutOfMemoryError)
    assert str(error).startswith(f"Not enough memory to load DeepSeek-R1 with this placement "
                                 f"({plan.summary()}): unable to allocate CUDA0 buffer.")
    assert str(error).endswith("Keep more layers' experts in RAM in Settings, or lower the "
                               "context length.")
    other = _load_error(info, plan, "missing tensor 'blk.0.attn_q_a.weight'")
    assert type(other) is ModelLoadError
    assert str(other) == ("llama.cpp could not load DeepSeek-R1-Tiny.gguf: missing tensor "
                          "'blk.0.attn_q_a.weight'")
