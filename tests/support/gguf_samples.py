"""Small GGUF files for download tests, written with the `gguf` package into a temp folder.

They are real GGUFs (a `llama` or `deepseek2` header, a few random tensors) of a few MB: big
enough that resets, stalls and kills land mid-file, small enough to write in milliseconds.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gguf
import numpy as np

# gguf's writer logs its plan at INFO; tests do not need it.
logging.getLogger("gguf").setLevel(logging.WARNING)
logging.getLogger("gguf.gguf_writer").setLevel(logging.WARNING)


def write_gguf(
    path: Path,
    *,
    arch: str = "llama",
    tensors: int = 4,
    tensor_mb: float = 0.75,
    split_max_tensors: int = 0,
    seed: int = 0,
) -> list[Path]:
    """Write a GGUF (a split set `NAME-0000i-of-0000N.gguf` if `split_max_tensors`); its paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = max(int(tensor_mb * (1 << 20)) // 4, 1)
    writer = gguf.GGUFWriter(path, arch, split_max_tensors=split_max_tensors)
    writer.add_name(path.stem)
    writer.add_block_count(tensors)
    for i in range(tensors):
        writer.add_tensor(f"blk.{i}.ffn_up.weight", rng.standard_normal(n, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if split_max_tensors:
        count = -(-tensors // split_max_tensors)
        return [
            path.with_name(f"{path.stem}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)
        ]
    return [path]
