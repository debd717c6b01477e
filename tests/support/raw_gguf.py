"""Write GGUF files byte by byte, including ones the `gguf` package refuses to write.

For preflight tests: unknown architectures, ik_llama.cpp-only tensor types, wrong split
metadata. Tensor data is zeros.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

from backend.gguf.quant_types import MAINLINE_TYPES


def _string(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("<Q", len(raw)) + raw


def _value(value: object) -> tuple[int, bytes]:
    if isinstance(value, bool):
        return 7, struct.pack("<?", value)
    if isinstance(value, int):
        return 4, struct.pack("<I", value)
    if isinstance(value, float):
        return 6, struct.pack("<f", value)
    if isinstance(value, str):
        return 8, _string(value)
    if isinstance(value, list):
        element_type, _ = _value(value[0])
        body = b"".join(_value(v)[1] for v in value)
        return 9, struct.pack("<IQ", element_type, len(value)) + body
    raise TypeError(value)


def write_raw_gguf(
    path: Path,
    metadata: Mapping[str, object],
    tensors: Sequence[tuple[str, tuple[int, ...], int]],
    *,
    tensor_bytes: Mapping[str, int] | None = None,
    alignment: int = 32,
) -> Path:
    """`tensors` are (name, ggml shape, type id); sizes come from the type table unless
    `tensor_bytes` gives them (needed for types our table does not know)."""
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, value in metadata.items():
        value_type, body = _value(value)
        header += _string(key) + struct.pack("<I", value_type) + body
    offset = 0
    sizes = []
    for name, shape, type_id in tensors:
        n = 1
        for d in shape:
            n *= d
        size = (tensor_bytes or {}).get(name) or MAINLINE_TYPES[type_id].n_bytes(n)
        sizes.append(size)
        header += _string(name) + struct.pack("<I", len(shape))
        header += b"".join(struct.pack("<Q", d) for d in shape)
        header += struct.pack("<IQ", type_id, offset)
        offset += -(-size // alignment) * alignment
    header += b"\0" * (-len(header) % alignment)
    path.write_bytes(header + b"\0" * offset)
    return path
