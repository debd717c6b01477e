"""Group file paths into loadable units: one llama.cpp split set, or one single GGUF file.

The catalog (files on the hub), the downloader (what a job installs) and the library (files on
disk) all need the same answer to "which files make one model, and which parts are missing".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from backend.gguf.split_names import parse_byte_split_name, parse_split_name


class UnitKind(StrEnum):
    SINGLE = "single"  # NAME.gguf
    SPLIT = "split"  # NAME-0000i-of-0000N.gguf, loaded from part 1
    BYTE_SPLIT = "byte-split"  # NAME.gguf.partIofN: raw pieces that must be joined with `cat`
    OTHER = "other"  # not a model file (README, imatrix data...)


@dataclass(frozen=True, slots=True)
class ModelUnit:
    name: str  # the model's name: the file name without split suffix and .gguf
    kind: UnitKind
    paths: tuple[str, ...]  # the parts present, in order ("/"-separated, as given)
    missing: tuple[str, ...]  # the parts a split set lacks (file names, beside the others)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def first(self) -> str:
        """The path llama.cpp is given (part 1 of a split set)."""
        return self.paths[0]


def group_units(paths: list[str] | tuple[str, ...]) -> list[ModelUnit]:
    """Units in a stable order (by first path); parts of one set must share a folder."""
    splits: dict[tuple[str, str, int], dict[int, str]] = defaultdict(dict)
    byte_splits: dict[tuple[str, str, int], dict[int, str]] = defaultdict(dict)
    units: list[ModelUnit] = []
    for path in paths:
        pure = PurePosixPath(path)
        folder, name = str(pure.parent), pure.name
        split = parse_split_name(name)
        if split is not None:
            splits[(folder, split.prefix, split.count)][split.index] = path
            continue
        byte_split = parse_byte_split_name(name)
        if byte_split is not None:
            byte_splits[(folder, byte_split.whole, byte_split.count)][byte_split.index] = path
            continue
        if name.lower().endswith(".gguf"):
            units.append(ModelUnit(name[: -len(".gguf")], UnitKind.SINGLE, (path,), ()))
        else:
            units.append(ModelUnit(name, UnitKind.OTHER, (path,), ()))
    for (_folder, prefix, count), parts in splits.items():
        missing = tuple(
            f"{prefix}-{i:05d}-of-{count:05d}.gguf" for i in range(1, count + 1) if i not in parts
        )
        ordered = tuple(parts[i] for i in sorted(parts))
        units.append(ModelUnit(prefix, UnitKind.SPLIT, ordered, missing))
    for (_folder, whole, count), parts in byte_splits.items():
        # Numbered pieces (count 0) do not say how many there are: what is listed is the set.
        missing = tuple(f"{whole}.part{i}of{count}" for i in range(1, count + 1) if i not in parts)
        ordered = tuple(parts[i] for i in sorted(parts))
        units.append(ModelUnit(whole.removesuffix(".gguf"), UnitKind.BYTE_SPLIT, ordered, missing))
    units.sort(key=lambda u: u.paths[0])
    return units


def unit_name(paths: list[str] | tuple[str, ...]) -> str:
    """The name of the first model unit among `paths` (any file if none is a model)."""
    units = group_units(paths)
    models = [u for u in units if u.kind is not UnitKind.OTHER]
    return (models or units)[0].name if units else ""
