"""Read a GGUF model (one file or a split set) and refuse bad files before llama.cpp sees them.

A strict, bounds-checked reader of the GGUF header rather than `gguf.GGUFReader`: every length
and count in a damaged file is checked against the bytes that are really there, so a truncated
or bit-flipped download gives a specific message instead of a crash, a huge allocation or a
hang; and it only walks the header, which matters for a 131 GB split set.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

type ArchitectureCheck = Callable[[str], bool]

from backend.chat.family import detect_family, is_newer_deepseek_arch
from backend.errors import (
    ByteSplitError,
    MissingSplitPartError,
    ModelFileError,
    NotGGUFError,
    TruncatedFileError,
    UnsupportedArchitectureError,
    UnsupportedQuantError,
)
from backend.gguf.quant_types import MAINLINE_TYPES, unsupported_quant_message
from backend.gguf.split_names import (
    byte_split_siblings,
    parse_byte_split_name,
    parse_split_name,
)
from backend.i18n import translate
from backend.units import format_bytes

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


def read_model(
    path: str | Path, *, runs_architecture: ArchitectureCheck | None = None, runtime: str = ""
) -> GGUFModel:
    """Read and validate a model; raise a `ModelFileError` saying exactly what is wrong.

    `path` may be any part of a split set: the set is read from its first part. Given
    `runs_architecture` (what the llama.cpp build can run: the engine knows, this reader does
    not), architectures and quant types that build cannot load are refused too.
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
        raise MissingSplitPartError(translate(
            "GgufFile",
            "{name} is part of a model split into {count} files, but its name does not "
            "follow the NAME-00001-of-0000N.gguf pattern, so the other parts cannot be found. "
            "Restore the original file names.",
        ).format(name=path.name, count=count))
    tensors = tuple(t for h in headers for t in h.tensors)
    model = GGUFModel(
        path=parts[0],
        parts=tuple(parts),
        version=first.version,
        metadata=first.metadata,
        tensors=tensors,
        file_bytes=sum(h.file_size for h in headers),
    )
    if runs_architecture is not None:
        check_supported(model, runs_architecture, runtime=runtime)
    return model


def check_supported(
    model: GGUFModel, runs_architecture: ArchitectureCheck, *, runtime: str = ""
) -> None:
    """Refuse architectures and quant types that the llama.cpp build cannot load, and DeepSeek
    files whose shape would crash it (see `deepseek_checks`). `runtime` names that build, for
    the message about a model that needs a newer one."""
    arch = model.arch
    name = model.path.name
    if not arch:
        raise UnsupportedArchitectureError(translate(
            "GgufFile",
            "{name} does not say which model architecture it holds "
            "(general.architecture is missing), so llama.cpp cannot load it.",
        ).format(name=name))
    if not arch.isprintable() or len(arch) > 64:
        raise ModelFileError(translate(
            "GgufFile", "{name} is damaged: its architecture name is garbled. Download it again."
        ).format(name=name))
    if arch == "clip" or model.metadata.get("clip.has_vision_encoder"):
        raise UnsupportedArchitectureError(translate(
            "GgufFile",
            "{name} is a vision projector (mmproj), not a language model. "
            "Choose the model's main GGUF file instead.",
        ).format(name=name))
    if not runs_architecture(arch) and is_newer_deepseek_arch(arch):
        label = detect_family(arch, model.metadata, None, name).label
        raise UnsupportedArchitectureError(translate(
            "GgufFile",
            "{name} holds {model} (architecture '{arch}'), a DeepSeek model newer than the "
            "llama.cpp inside this app ({runtime}) can run. It needs a newer llama.cpp: update "
            "the app once a version with {model} support is out, or choose a DeepSeek-V4-Flash "
            "file meanwhile.",
        ).format(name=name, model=label, arch=arch,
                 runtime=runtime or translate("GgufFile", "its bundled version")))
    if not runs_architecture(arch):
        raise UnsupportedArchitectureError(translate(
            "GgufFile",
            "{name} holds a '{arch}' model, an architecture this version of llama.cpp cannot "
            "run. Update the app, or choose a DeepSeek GGUF.",
        ).format(name=name, arch=arch))
    for tensor in model.tensors:
        if tensor.type_id not in MAINLINE_TYPES:
            raise UnsupportedQuantError(
                unsupported_quant_message(name, tensor.name, tensor.type_id)
            )
    problem = deepseek_checks(model)
    if problem:
        raise ModelFileError(translate(
            "GgufFile",
            "{name} cannot be run: {problem}. llama.cpp would crash on it, so it was not "
            "loaded. The file was converted wrongly or edited: download another conversion.",
        ).format(name=name, problem=problem))


def deepseek_checks(model: GGUFModel) -> str:
    """Why llama.cpp would kill the process on this DeepSeek-V3.2/V4 file ("" if it would not).

    llama.cpp checks some of a V4 file's shape only with assertions, or not at all, when it
    builds the compute graph: the whole app would die (SIGFPE, SIGABRT) instead of reporting an
    error. These are the shapes found to do that.
    """
    arch = model.arch
    if arch not in ("deepseek32", "deepseek4"):
        return ""
    key = model.arch_key
    n_blocks = _whole(key("block_count"))
    n_layer = n_blocks - _whole(key("nextn_predict_layers"))
    indexer = _whole(key("attention.indexer.key_length"))
    n_rot = _whole(key("rope.dimension_count"))
    if arch == "deepseek32":
        if key("attention.indexer.key_length") is None:
            return ""  # llama.cpp itself refuses the file, with a message
        if indexer < 64 or indexer & (indexer - 1):
            return translate(
                "GgufFile", "its lightning indexer's key length is {value}, not a power of two "
                "of at least 64").format(value=indexer)
        if n_rot > indexer:
            return translate("GgufFile", "its rotary size {rot} exceeds the indexer's key length "
                             "{value}").format(rot=n_rot, value=indexer)
        return ""
    ratios = [v for v in model.read_array(f"{arch}.attention.compress_ratios")
              if isinstance(v, int)][:max(n_layer, 0)]
    hc = key("hyper_connection.count")
    head = _whole(key("attention.key_length"))
    if len(ratios) < n_layer:
        return translate("GgufFile", "it has {found} attention compress ratios for {layers} "
                         "layers").format(found=len(ratios), layers=n_layer)
    if any(r not in (0, 4, 128) for r in ratios):
        return translate("GgufFile", "its attention compress ratios {ratios} are not all 0, 4 "
                         "or 128").format(ratios=sorted(set(ratios)))
    if 4 not in ratios or 128 not in ratios:
        return translate("GgufFile", "its layers need both compress ratios 4 and 128, but it "
                         "has only {ratios}").format(ratios=sorted(set(ratios)))
    if hc is not None and hc != 4:
        return translate("GgufFile", "it has {value} hyper-connections, not 4").format(value=hc)
    if key("attention.indexer.key_length") is not None and (indexer <= 0 or indexer % 64):
        return translate("GgufFile", "its lightning indexer's key length is {value}, not a "
                         "multiple of 64").format(value=indexer)
    if head != _whole(key("attention.value_length")) or n_rot > min(head, indexer):
        return translate("GgufFile", "its attention head sizes (key {key}, value {value}, "
                         "rotary {rot}) do not fit together").format(
            key=head, value=key("attention.value_length"), rot=n_rot)
    groups = _whole(key("attention.output_group_count"))
    if groups and _whole(key("attention.head_count")) % groups:
        return translate("GgufFile", "its {heads} attention heads cannot be split into {groups} "
                         "output groups").format(heads=key("attention.head_count"),
                                                 groups=key("attention.output_group_count"))
    return ""


def _whole(value: object) -> int:
    if isinstance(value, list):
        value = max((v for v in value if isinstance(v, int)), default=0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


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
            raise NotGGUFError(translate(
                "GgufFile", "{name} is a folder, not a model file."
            ).format(name=path.name)) from None
        except FileNotFoundError:
            raise ModelFileError(translate(
                "GgufFile", "{name} does not exist (looked in {folder})."
            ).format(name=path.name, folder=path.parent)) from None
        except PermissionError:
            raise ModelFileError(translate(
                "GgufFile", "{name} cannot be read: permission denied."
            ).format(name=path.name)) from None
        return cls(path, data, size)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()

    # `what` names the field being read, for messages; None: "a metadata value", translated
    # only when a message needs it (a 129k-entry vocabulary is read value by value).
    def need(self, n: int, what: str | None) -> None:
        if n < 0 or self.pos + n > self.size:
            raise TruncatedFileError(translate(
                "GgufFile",
                "{name} is truncated: it ends inside its header (while reading "
                "{what} at byte {pos:,} of {size:,}). Download it again.",
            ).format(name=self.path.name, what=_what(what), pos=self.pos, size=self.size))

    def unpack(self, fmt: str, size: int, what: str | None) -> object:
        self.need(size, what)
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value

    def u32(self, what: str | None) -> int:
        value = self.unpack("<I", 4, what)
        assert isinstance(value, int)
        return value

    def u64(self, what: str | None) -> int:
        value = self.unpack("<Q", 8, what)
        assert isinstance(value, int)
        return value

    def string(self, what: str | None) -> str:
        length = self.u64(what)
        self.need(length, what)
        raw = bytes(self.data[self.pos : self.pos + length])
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, value_type: int, what: str | None = None) -> object:
        if value_type in _SCALARS:
            fmt, size = _SCALARS[value_type]
            return self.unpack(fmt, size, what)
        if value_type == _STRING:
            return self.string(what)
        if value_type == _ARRAY:
            return self.array(what)
        raise self.damaged(translate(
            "GgufFile", "unknown metadata type {type} in {what}"
        ).format(type=value_type, what=_what(what)))

    def array(self, what: str | None) -> object:
        element_type = self.u32(what)
        count = self.u64(what)
        if element_type == _ARRAY:
            raise self.damaged(translate(
                "GgufFile", "nested arrays in {what}"
            ).format(what=_what(what)))
        min_size = 8 if element_type == _STRING else _SCALARS.get(element_type, (None, 0))[1]
        if not min_size:
            raise self.damaged(translate(
                "GgufFile", "unknown array element type {type} in {what}"
            ).format(type=element_type, what=_what(what)))
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
        return ModelFileError(translate(
            "GgufFile", "{name} is damaged: {detail} (byte {pos:,}). Download it again."
        ).format(name=self.path.name, detail=detail, pos=self.pos))


def _what(what: str | None) -> str:
    return translate("GgufFile", "a metadata value") if what is None else what


def _read_part(path: Path) -> _PartHeader:
    with _Header.open(path) as h:
        _check_magic(h)
        version = h.u32(translate("GgufFile", "the version"))
        if version not in (2, 3):
            if version == 1:
                raise NotGGUFError(translate(
                    "GgufFile",
                    "{name} uses GGUF version 1, which llama.cpp no longer reads. "
                    "Download a newer conversion of this model.",
                ).format(name=path.name))
            if version > 0xFFFF and struct.unpack("<I", struct.pack(">I", version))[0] <= 3:
                raise NotGGUFError(_big_endian(path.name))
            raise h.damaged(translate(
                "GgufFile", "unknown GGUF version {version}"
            ).format(version=version))
        n_tensors = h.u64(translate("GgufFile", "the tensor count"))
        n_kv = h.u64(translate("GgufFile", "the metadata count"))
        # Every entry takes bytes: a count larger than the file is damage, not a loop to run.
        if n_kv * 12 > h.size or n_tensors * 28 > h.size:
            raise h.damaged(translate(
                "GgufFile", "impossible counts ({n_kv:,} metadata entries, {n_tensors:,} tensors)"
            ).format(n_kv=n_kv, n_tensors=n_tensors))
        metadata: dict[str, object] = {}
        for i in range(n_kv):
            key = h.string(translate("GgufFile", "metadata key #{index}").format(index=i))
            if len(key) > _MAX_NAME * 4 or not key.isprintable():
                raise h.damaged(translate(
                    "GgufFile", "metadata key #{index} is garbled"
                ).format(index=i))
            metadata[key] = h.value(
                h.u32(translate("GgufFile", "the type of {name}").format(name=key)), key
            )
        raw_tensors = [_read_tensor_info(h, i) for i in range(n_tensors)]
        alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise h.damaged(translate(
                "GgufFile", "invalid general.alignment {alignment!r}"
            ).format(alignment=alignment))
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
        raise NotGGUFError(_big_endian(name))
    if not head:
        raise NotGGUFError(translate(
            "GgufFile",
            "{name} is empty (0 bytes): the download did not finish. Download it again.",
        ).format(name=name))
    text = head.lstrip().lower()
    if text.startswith(b"version https://git-lfs"):
        raise NotGGUFError(translate(
            "GgufFile",
            "{name} is a Git LFS pointer, not the model itself. Download the "
            "real file (e.g. from the model page's download link).",
        ).format(name=name))
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"{\"error")):
        raise NotGGUFError(translate(
            "GgufFile",
            "{name} is a web page or an error message saved under a model's "
            "name, not a GGUF file. Download the model again.",
        ).format(name=name))
    if len(head) >= 9 and head[8:9] == b"{" and b'"' in head[8:40]:
        raise NotGGUFError(translate(
            "GgufFile",
            "{name} is a safetensors checkpoint, not a GGUF file. "
            "Download the GGUF version of this model.",
        ).format(name=name))
    raise NotGGUFError(translate(
        "GgufFile",
        "{name} is not a GGUF file (it does not start with 'GGUF'). Choose a .gguf model file.",
    ).format(name=name))


def _big_endian(name: str) -> str:
    return translate(
        "GgufFile",
        "{name} is a big-endian GGUF, made for another kind of computer. "
        "Download the standard (little-endian) file.",
    ).format(name=name)


@dataclass(slots=True)
class _RawTensor:
    name: str
    type_id: int
    shape: tuple[int, ...]
    offset: int


def _read_tensor_info(h: _Header, index: int) -> _RawTensor:
    raw_name = h.string(translate("GgufFile", "the name of tensor #{index}").format(index=index))
    if len(raw_name) > _MAX_NAME or not raw_name.isprintable():
        raise h.damaged(translate(
            "GgufFile", "tensor #{index} has a garbled name"
        ).format(index=index))
    name = raw_name
    shape_of = translate("GgufFile", "the shape of {name}").format(name=name)
    n_dims = h.u32(shape_of)
    if not 1 <= n_dims <= _MAX_DIMS:
        raise h.damaged(translate(
            "GgufFile", "tensor {name} claims {n_dims} dimensions"
        ).format(name=name, n_dims=n_dims))
    shape = tuple(h.u64(shape_of) for _ in range(n_dims))
    if any(d <= 0 or d >= 1 << 40 for d in shape):
        raise h.damaged(translate(
            "GgufFile", "tensor {name} has an impossible shape {shape}"
        ).format(name=name, shape=shape))
    type_id = h.u32(translate("GgufFile", "the type of {name}").format(name=name))
    offset = h.u64(translate("GgufFile", "the offset of {name}").format(name=name))
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
            raise h.damaged(translate(
                "GgufFile",
                "tensor {name} has {columns} columns, not a multiple of {quant}'s block of {block}",
            ).format(name=t.name, columns=t.shape[0], quant=qtype.name, block=qtype.block_size))
        else:
            n_bytes = qtype.n_bytes(n_elements)
        if t.offset % alignment:
            raise h.damaged(translate(
                "GgufFile", "tensor {name} starts at a misaligned offset {offset}"
            ).format(name=t.name, offset=t.offset))
        needed = max(needed, t.offset + n_bytes)
        tensors.append(TensorInfo(t.name, t.type_id, t.shape, n_bytes, 0))
    if needed > data_size:
        missing = needed - max(data_size, 0)
        have = max(h.size, 0)
        raise TruncatedFileError(translate(
            "GgufFile",
            "{name} is truncated: it is {have} but its tensors need {needed} ({missing} "
            "missing). The download did not finish: download it again.",
        ).format(name=h.path.name, have=_size(have), needed=_size(data_start + needed),
                 missing=_size(missing)))
    return tensors


def _size(n: int) -> str:
    # Exact bytes for small files: "it is 547,568 bytes but needs 557,568" explains itself.
    return format_bytes(n) if n >= 10**6 else translate("GgufFile", "{n:,} bytes").format(n=n)


# --- split sets ----------------------------------------------------------------------------


def _refuse_byte_split(path: Path) -> None:
    piece = parse_byte_split_name(path.name)
    if piece is None:
        return
    pieces = [p.name for p in byte_split_siblings(path)]
    index = pieces.index(path.name) + 1 if path.name in pieces else piece.index
    raise ByteSplitError(translate(
        "GgufFile",
        "{name} is piece {index} of {count} of a file cut into raw byte "
        "pieces, which llama.cpp cannot load. Join the pieces into one file first: "
        "`cat {parts} > {whole}` (Windows: `copy /b` with the pieces joined by +), "
        "then open {whole}.",
    ).format(name=path.name, index=index, count=len(pieces), parts=" ".join(pieces),
             whole=piece.whole))


def _split_parts(path: Path) -> list[Path]:
    name = parse_split_name(path.name)
    if name is None:
        return [path]
    parts = [path.with_name(name.part_name(i)) for i in range(1, name.count + 1)]
    missing = [p for p in parts if not p.exists()]
    if missing:
        listed = ", ".join(p.name for p in missing[:4]) + (" …" if len(missing) > 4 else "")
        folder = path.parent.name or path.parent
        if len(missing) == 1:
            message = translate(
                "GgufFile",
                "This model is split into {count} files and part {index} of {count} is "
                "missing: {listed}. All parts must be in the same folder ({folder}).",
            ).format(index=parse_split_name(missing[0].name).index,  # type: ignore[union-attr]
                     count=name.count, listed=listed, folder=folder)
        else:
            message = translate(
                "GgufFile",
                "This model is split into {count} files and {missing} of its {count} parts are "
                "missing: {listed}. All parts must be in the same folder ({folder}).",
            ).format(missing=len(missing), count=name.count, listed=listed, folder=folder)
        raise MissingSplitPartError(message)
    return parts


def _check_split_set(parts: list[Path], headers: list[_PartHeader]) -> None:
    count = len(parts)
    for index, header in enumerate(headers):
        meta = header.metadata
        if meta.get("split.count") not in (None, count) or meta.get("split.no") not in (None, index):
            raise ModelFileError(translate(
                "GgufFile",
                "{name} does not belong with the other parts: it says it is part "
                "{index} of {count}. The parts come from different downloads; download the set "
                "again.",
            ).format(name=parts[index].name,
                     index=int(meta.get("split.no", -1)) + 1,  # type: ignore[call-overload]
                     count=meta.get("split.count")))
        for i, t in enumerate(header.tensors):
            header.tensors[i] = TensorInfo(t.name, t.type_id, t.shape, t.n_bytes, index)
    expected = headers[0].metadata.get("split.tensors.count")
    found = sum(len(h.tensors) for h in headers)
    if isinstance(expected, int) and expected != found:
        raise ModelFileError(translate(
            "GgufFile",
            "The parts of {name} hold {found} tensors but the set should have "
            "{expected}. A part is damaged or from another download; download the set again.",
        ).format(name=parts[0].name, found=found, expected=expected))

