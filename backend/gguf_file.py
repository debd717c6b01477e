"""Read a GGUF model (one file or a split set) and refuse bad files before llama.cpp sees them.

A strict, bounds-checked reader of the GGUF header rather than `gguf.GGUFReader`: every length
and count in a damaged file is checked against the bytes that are really there, so a truncated
or bit-flipped download gives a specific message instead of a crash, a huge allocation or a
hang; and it only walks the header, which matters for a 131 GB split set.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from backend import llama_libs
from backend.errors import (
    ByteSplitError,
    MissingSplitPartError,
    ModelFileError,
    NotGGUFError,
    TruncatedFileError,
    UnsupportedArchitectureError,
    UnsupportedQuantError,
)
from backend.quant_types import MAINLINE_TYPES, describe_unsupported
from backend.units import format_bytes
from backend.split_names import parse_byte_split_name, parse_split_name

GGUF_MAGIC = b"GGUF"
_DEFAULT_ALIGNMENT = 32
_MAX_DIMS = 4
_MAX_NAME = 256  # ggml allows 64-byte tensor names; anything far longer is damage
# Arrays longer than this stay on disk until asked for (the tokenizer's 129k-entry lists).
_EAGER_ARRAY_LIMIT = 64

# GGUF value types: (struct format, size) for the fixed-size ones.
_SCALARS: dict[int, tuple[str, int]] = {
    0: ("<B", 1), 1: ("<b", 1), 2: ("<H", 2), 3: ("<h", 2), 4: ("<I", 4), 5: ("<i", 4),
    6: ("<f", 4), 7: ("<?", 1), 10: ("<Q", 8), 11: ("<q", 8), 12: ("<d", 8),
}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True, slots=True)
class LazyArray:
    """A long metadata array left in the file; `GGUFModel.read_array` decodes it."""

    element_type: int
    count: int
    offset: int  # of the first element, in the first part

    def __repr__(self) -> str:
        kind = "strings" if self.element_type == _STRING else "values"
        return f"[{self.count} {kind}]"


@dataclass(frozen=True, slots=True)
class TensorInfo:
    name: str
    type_id: int
    shape: tuple[int, ...]
    n_bytes: int
    part: int  # 0-based index of the split part holding the data

    @property
    def type_name(self) -> str:
        qtype = MAINLINE_TYPES.get(self.type_id)
        return qtype.name if qtype else f"#{self.type_id}"


@dataclass(frozen=True, slots=True)
class GGUFModel:
    path: Path  # the file to give llama.cpp: the first part of a split set
    parts: tuple[Path, ...]
    version: int
    metadata: Mapping[str, object]
    tensors: tuple[TensorInfo, ...]
    file_bytes: int  # all parts together
    _header_cache: dict[str, list[object]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def arch(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    def arch_key(self, suffix: str, default: object = None) -> object:
        """Metadata `{arch}.{suffix}`, e.g. `deepseek2.block_count`."""
        return self.metadata.get(f"{self.arch}.{suffix}", default)

    @property
    def tensor_bytes(self) -> int:
        return sum(t.n_bytes for t in self.tensors)

    def read_array(self, key: str) -> list[object]:
        """The full value of a metadata array, including the long ones kept on disk."""
        value = self.metadata.get(key)
        if not isinstance(value, LazyArray):
            return list(value) if isinstance(value, list) else []
        if key not in self._header_cache:
            with _Header.open(self.path) as header:
                header.pos = value.offset
                self._header_cache[key] = [
                    header.value(value.element_type) for _ in range(value.count)
                ]
        return self._header_cache[key]

    def token_text(self, token_id: object) -> str:
        """Text of a vocabulary entry (e.g. the BOS token), or "" if there is none."""
        if not isinstance(token_id, int):
            return ""
        tokens = self.read_array("tokenizer.ggml.tokens")
        return str(tokens[token_id]) if 0 <= token_id < len(tokens) else ""


def read_model(path: str | Path, *, check_support: bool = True) -> GGUFModel:
    """Read and validate a model; raise a `ModelFileError` saying exactly what is wrong.

    `path` may be any part of a split set: the set is read from its first part. With
    `check_support`, architectures and quant types this llama.cpp cannot run are refused too.
    """
    path = Path(path)
    _refuse_byte_split(path)
    parts = _split_parts(path)
    headers = [_read_part(p) for p in parts]
    first = headers[0]
    if len(parts) > 1:
        _check_split_set(parts, headers)
    elif first.metadata.get("split.count", 1) not in (0, 1):
        count = first.metadata["split.count"]
        raise MissingSplitPartError(
            f"{path.name} is part of a model split into {count} files, but its name does not "
            "follow the NAME-00001-of-0000N.gguf pattern, so the other parts cannot be found. "
            "Restore the original file names."
        )
    tensors = tuple(t for h in headers for t in h.tensors)
    model = GGUFModel(
        path=parts[0],
        parts=tuple(parts),
        version=first.version,
        metadata=first.metadata,
        tensors=tensors,
        file_bytes=sum(h.file_size for h in headers),
    )
    if check_support:
        check_supported(model)
    return model


def check_supported(model: GGUFModel) -> None:
    """Refuse architectures and quant types that this llama.cpp build cannot load."""
    arch = model.arch
    name = model.path.name
    if not arch:
        raise UnsupportedArchitectureError(
            f"{name} does not say which model architecture it holds "
            "(general.architecture is missing), so llama.cpp cannot load it."
        )
    if not arch.isprintable() or len(arch) > 64:
        raise ModelFileError(f"{name} is damaged: its architecture name is garbled. "
                             "Download it again.")
    if arch == "clip" or model.metadata.get("clip.has_vision_encoder"):
        raise UnsupportedArchitectureError(
            f"{name} is a vision projector (mmproj), not a language model. "
            "Choose the model's main GGUF file instead."
        )
    if not llama_libs.is_supported_architecture(arch):
        raise UnsupportedArchitectureError(
            f"{name} holds a '{arch}' model, an architecture this version of llama.cpp cannot "
            "run. Update the app, or choose a DeepSeek GGUF."
        )
    for tensor in model.tensors:
        if tensor.type_id not in MAINLINE_TYPES:
            raise UnsupportedQuantError(
                f"{name} cannot be loaded: tensor {tensor.name} uses "
                f"{describe_unsupported(tensor.type_id)}."
            )


def uses_mla(model: GGUFModel) -> bool | None:
    """Whether a DeepSeek file was converted with MLA (small KV cache); None if not DeepSeek."""
    if not model.arch.startswith("deepseek2"):
        return None
    if model.arch_key("attention.key_length_mla") is not None:
        return True
    names = {t.name for t in model.tensors[:64]}
    if any(n.endswith("attn_kv_b.weight") for n in names):
        return False
    return any(n.endswith("attn_k_b.weight") for n in names)


# --- reading one file --------------------------------------------------------------------


@dataclass(slots=True)
class _PartHeader:
    path: Path
    version: int
    metadata: dict[str, object]
    tensors: list[TensorInfo]
    file_size: int


class _Header:
    """A bounds-checked cursor over a file's bytes (memory-mapped: headers can be MBs)."""

    def __init__(self, path: Path, data: mmap.mmap | bytes, size: int) -> None:
        self.path = path
        self.data = data
        self.size = size
        self.pos = 0

    @classmethod
    def open(cls, path: Path) -> _Header:
        try:
            with path.open("rb") as f:
                size = path.stat().st_size
                data: mmap.mmap | bytes = (
                    mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
                )
        except IsADirectoryError:
            raise NotGGUFError(f"{path.name} is a folder, not a model file.") from None
        except FileNotFoundError:
            raise ModelFileError(f"{path.name} does not exist (looked in {path.parent}).") from None
        except PermissionError:
            raise ModelFileError(f"{path.name} cannot be read: permission denied.") from None
        return cls(path, data, size)

    def __enter__(self) -> _Header:
        return self

    def __exit__(self, *exc: object) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise TruncatedFileError(
                f"{self.path.name} is truncated: it ends inside its header (while reading "
                f"{what} at byte {self.pos:,} of {self.size:,}). Download it again."
            )

    def unpack(self, fmt: str, size: int, what: str) -> object:
        self.need(size, what)
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value

    def u32(self, what: str) -> int:
        return int(self.unpack("<I", 4, what))  # type: ignore[call-overload]

    def u64(self, what: str) -> int:
        return int(self.unpack("<Q", 8, what))  # type: ignore[call-overload]

    def string(self, what: str) -> str:
        length = self.u64(what)
        self.need(length, what)
        raw = bytes(self.data[self.pos : self.pos + length])
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, value_type: int, what: str = "a metadata value") -> object:
        if value_type in _SCALARS:
            fmt, size = _SCALARS[value_type]
            return self.unpack(fmt, size, what)
        if value_type == _STRING:
            return self.string(what)
        if value_type == _ARRAY:
            return self.array(what)
        raise self.damaged(f"unknown metadata type {value_type} in {what}")

    def array(self, what: str) -> object:
        element_type = self.u32(what)
        count = self.u64(what)
        if element_type == _ARRAY:
            raise self.damaged(f"nested arrays in {what}")
        min_size = 8 if element_type == _STRING else _SCALARS.get(element_type, (None, 0))[1]
        if not min_size:
            raise self.damaged(f"unknown array element type {element_type} in {what}")
        self.need(count * min_size, what)
        if count <= _EAGER_ARRAY_LIMIT:
            return [self.value(element_type, what) for _ in range(count)]
        lazy = LazyArray(element_type, count, self.pos)
        if element_type == _STRING:
            for _ in range(count):  # strings vary in length: walk them to find the end
                length = self.u64(what)
                self.need(length, what)
                self.pos += length
        else:
            self.pos += count * min_size
        return lazy

    def damaged(self, detail: str) -> ModelFileError:
        return ModelFileError(
            f"{self.path.name} is damaged: {detail} (byte {self.pos:,}). Download it again."
        )


def _read_part(path: Path) -> _PartHeader:
    with _Header.open(path) as h:
        _check_magic(h)
        version = h.u32("the version")
        if version not in (2, 3):
            if version == 1:
                raise NotGGUFError(
                    f"{path.name} uses GGUF version 1, which llama.cpp no longer reads. "
                    "Download a newer conversion of this model."
                )
            if version > 0xFFFF and struct.unpack("<I", struct.pack(">I", version))[0] <= 3:
                raise NotGGUFError(
                    f"{path.name} is a big-endian GGUF, made for another kind of computer. "
                    "Download the standard (little-endian) file."
                )
            raise h.damaged(f"unknown GGUF version {version}")
        n_tensors = h.u64("the tensor count")
        n_kv = h.u64("the metadata count")
        # Every entry takes bytes: a count larger than the file is damage, not a loop to run.
        if n_kv * 12 > h.size or n_tensors * 28 > h.size:
            raise h.damaged(f"impossible counts ({n_kv:,} metadata entries, {n_tensors:,} tensors)")
        metadata: dict[str, object] = {}
        for i in range(n_kv):
            key = h.string(f"metadata key #{i}")
            if len(key) > _MAX_NAME * 4 or not key.isprintable():
                raise h.damaged(f"metadata key #{i} is garbled")
            metadata[key] = h.value(h.u32(f"the type of {key}"), key)
        raw_tensors = [_read_tensor_info(h, i) for i in range(n_tensors)]
        alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise h.damaged(f"invalid general.alignment {alignment!r}")
        data_start = -(-h.pos // alignment) * alignment
        tensors = _place_tensors(h, raw_tensors, data_start, alignment)
        return _PartHeader(path, version, metadata, tensors, h.size)


def _check_magic(h: _Header) -> None:
    head = bytes(h.data[:64]) if h.size else b""
    if head[:4] == GGUF_MAGIC:
        h.pos = 4
        return
    name = h.path.name
    if head[:4] == b"FUGG":
        raise NotGGUFError(f"{name} is a big-endian GGUF, made for another kind of computer. "
                           "Download the standard (little-endian) file.")
    if not head:
        raise NotGGUFError(f"{name} is empty (0 bytes): the download did not finish. "
                           "Download it again.")
    text = head.lstrip().lower()
    if text.startswith(b"version https://git-lfs"):
        raise NotGGUFError(f"{name} is a Git LFS pointer, not the model itself. Download the "
                           "real file (e.g. from the model page's download link).")
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"{\"error")):
        raise NotGGUFError(f"{name} is a web page or an error message saved under a model's "
                           "name, not a GGUF file. Download the model again.")
    if len(head) >= 9 and head[8:9] == b"{" and b'"' in head[8:40]:
        raise NotGGUFError(f"{name} is a safetensors checkpoint, not a GGUF file. "
                           "Download the GGUF version of this model.")
    raise NotGGUFError(f"{name} is not a GGUF file (it does not start with 'GGUF'). "
                       "Choose a .gguf model file.")


@dataclass(slots=True)
class _RawTensor:
    name: str
    type_id: int
    shape: tuple[int, ...]
    offset: int


def _read_tensor_info(h: _Header, index: int) -> _RawTensor:
    raw_name = h.string(f"the name of tensor #{index}")
    if len(raw_name) > _MAX_NAME or not raw_name.isprintable():
        raise h.damaged(f"tensor #{index} has a garbled name")
    name = raw_name
    n_dims = h.u32(f"the shape of {name}")
    if not 1 <= n_dims <= _MAX_DIMS:
        raise h.damaged(f"tensor {name} claims {n_dims} dimensions")
    shape = tuple(h.u64(f"the shape of {name}") for _ in range(n_dims))
    if any(d <= 0 or d >= 1 << 40 for d in shape):
        raise h.damaged(f"tensor {name} has an impossible shape {shape}")
    type_id = h.u32(f"the type of {name}")
    offset = h.u64(f"the offset of {name}")
    return _RawTensor(name, type_id, shape, offset)


def _place_tensors(
    h: _Header, raw: list[_RawTensor], data_start: int, alignment: int
) -> list[TensorInfo]:
    tensors = []
    data_size = h.size - data_start
    needed = 0
    for t in raw:
        n_elements = 1
        for d in t.shape:
            n_elements *= d
        qtype = MAINLINE_TYPES.get(t.type_id)
        if qtype is None:
            n_bytes = 0  # unknown layout: `check_supported` names the type
        elif t.shape[0] % qtype.block_size:
            raise h.damaged(f"tensor {t.name} has {t.shape[0]} columns, not a multiple of "
                            f"{qtype.name}'s block of {qtype.block_size}")
        else:
            n_bytes = qtype.n_bytes(n_elements)
        if t.offset % alignment:
            raise h.damaged(f"tensor {t.name} starts at a misaligned offset {t.offset}")
        needed = max(needed, t.offset + n_bytes)
        tensors.append(TensorInfo(t.name, t.type_id, t.shape, n_bytes, 0))
    if needed > data_size:
        missing = needed - max(data_size, 0)
        have = max(h.size, 0)
        raise TruncatedFileError(
            f"{h.path.name} is truncated: it is {_size(have)} but its tensors need "
            f"{_size(data_start + needed)} ({_size(missing)} missing). The download did not "
            "finish: download it again."
        )
    return tensors


def _size(n: int) -> str:
    # Exact bytes for small files: "it is 547,568 bytes but needs 557,568" explains itself.
    return format_bytes(n) if n >= 10**6 else f"{n:,} bytes"


# --- split sets ----------------------------------------------------------------------------


def _refuse_byte_split(path: Path) -> None:
    piece = parse_byte_split_name(path.name)
    if piece is None:
        return
    parts = " ".join(f"{piece.whole}.part{i}of{piece.count}" for i in range(1, piece.count + 1))
    raise ByteSplitError(
        f"{path.name} is piece {piece.index} of {piece.count} of a file cut into raw byte "
        "pieces, which llama.cpp cannot load. Join the pieces into one file first: "
        f"`cat {parts} > {piece.whole}` (Windows: `copy /b` with the pieces joined by +), "
        f"then open {piece.whole}."
    )


def _split_parts(path: Path) -> list[Path]:
    name = parse_split_name(path.name)
    if name is None:
        return [path]
    parts = [path.with_name(name.part_name(i)) for i in range(1, name.count + 1)]
    missing = [p for p in parts if not p.exists()]
    if missing:
        listed = ", ".join(p.name for p in missing[:4]) + (" …" if len(missing) > 4 else "")
        which = (f"part {parse_split_name(missing[0].name).index} of {name.count} is"  # type: ignore[union-attr]
                 if len(missing) == 1 else f"{len(missing)} of its {name.count} parts are")
        raise MissingSplitPartError(
            f"This model is split into {name.count} files and {which} missing: {listed}. "
            f"All parts must be in the same folder ({path.parent.name or path.parent})."
        )
    return parts


def _check_split_set(parts: list[Path], headers: list[_PartHeader]) -> None:
    count = len(parts)
    for index, header in enumerate(headers):
        meta = header.metadata
        if meta.get("split.count") not in (None, count) or meta.get("split.no") not in (None, index):
            raise ModelFileError(
                f"{parts[index].name} does not belong with the other parts: it says it is part "
                f"{int(meta.get('split.no', -1)) + 1} of {meta.get('split.count')}. "  # type: ignore[call-overload]
                "The parts come from different downloads; download the set again."
            )
        for i, t in enumerate(header.tensors):
            header.tensors[i] = TensorInfo(t.name, t.type_id, t.shape, t.n_bytes, index)
    expected = headers[0].metadata.get("split.tensors.count")
    found = sum(len(h.tensors) for h in headers)
    if isinstance(expected, int) and expected != found:
        raise ModelFileError(
            f"The parts of {parts[0].name} hold {found} tensors but the set should have "
            f"{expected}. A part is damaged or from another download; download the set again."
        )

