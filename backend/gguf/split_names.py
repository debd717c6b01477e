"""File-name rules for multi-file models: llama.cpp split sets and raw byte splits.

llama.cpp loads a split set from its first part, `NAME-00001-of-00003.gguf`, and finds the
others beside it by name. Raw byte splits (`NAME.gguf.part1of3`, or numbered only,
`NAME.gguf.part00`, `.part01`, … as some packagers cut them) are not GGUF files at all and must
be joined first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SPLIT_RE = re.compile(r"^(?P<prefix>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)
_BYTE_SPLIT_RE = re.compile(
    r"^(?P<whole>.+?\.gguf)[.-]?part(?P<index>\d+)of(?P<count>\d+)$", re.IGNORECASE
)
# `split -d -b 40G X.gguf X.gguf.part`: numbered pieces, their count nowhere in the name.
_NUMBERED_PART_RE = re.compile(r"^(?P<whole>.+?\.gguf)(?P<sep>[._-])part(?P<index>\d+)$",
                               re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SplitName:
    prefix: str  # NAME in NAME-00001-of-00003.gguf
    index: int  # 1-based
    count: int

    def part_name(self, index: int) -> str:
        return f"{self.prefix}-{index:05d}-of-{self.count:05d}.gguf"


def parse_split_name(file_name: str) -> SplitName | None:
    """`SplitName` for a llama.cpp split part's file name, else None."""
    match = _SPLIT_RE.match(file_name)
    if not match:
        return None
    index, count = int(match["index"]), int(match["count"])
    if not 1 <= index <= count:
        return None
    return SplitName(match["prefix"], index, count)


def split_part_paths(path: Path) -> list[Path]:
    """All parts of the split set `path` belongs to (beside it), or `[path]` for a single file."""
    name = parse_split_name(path.name)
    if name is None:
        return [path]
    return [path.with_name(name.part_name(i)) for i in range(1, name.count + 1)]


@dataclass(frozen=True, slots=True)
class ByteSplitName:
    whole: str  # the file name the joined parts make
    index: int  # as written in the name (numbered pieces may count from 0)
    count: int  # 0: the name does not say (numbered pieces); the pieces present tell

    def part_name(self, index: int) -> str:
        """The name of piece `index` of a `.partNofM` set."""
        return f"{self.whole}.part{index}of{self.count}"


def parse_byte_split_name(file_name: str) -> ByteSplitName | None:
    """Recognise raw byte splits, which need joining with `cat`: `X.gguf.part1of5`, or
    `X.gguf.part00`, `X.gguf.part01`, … (count 0: not in the name)."""
    match = _BYTE_SPLIT_RE.match(file_name)
    if match:
        return ByteSplitName(match["whole"], int(match["index"]), int(match["count"]))
    match = _NUMBERED_PART_RE.match(file_name)
    if match:
        return ByteSplitName(match["whole"], int(match["index"]), 0)
    return None


def byte_split_siblings(path: Path) -> list[Path]:
    """The pieces beside `path` that belong to the same byte split, in joining order."""
    piece = parse_byte_split_name(path.name)
    if piece is None:
        return [path]
    if piece.count:
        return [path.with_name(piece.part_name(i)) for i in range(1, piece.count + 1)]
    try:
        found = [p for p in path.parent.iterdir()
                 if (other := parse_byte_split_name(p.name)) is not None
                 and other.whole == piece.whole and not other.count]
    except OSError:
        found = [path]
    pieces = {p.name: p for p in found + [path]}
    return sorted(pieces.values(), key=lambda p: parse_byte_split_name(p.name).index)  # type: ignore[union-attr]
