"""Sizes and speeds as people read them (decimal units, like disk and download sizes)."""

from __future__ import annotations


def format_bytes(n: float | None) -> str:
    """`1.3 GB`, `512.0 MB`, `12.4 kB`, `87 B`; `-` for unknown."""
    if n is None:
        return "-"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"
