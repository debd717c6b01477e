r"""Fixes to ziamath 0.13 (pinned below 0.14 for them), applied once by `ui.markdown.formulas`
before the first formula; each is checked by tests/gui/test_formulas.py:

  * Characters the math font lacks (Chinese in `\text{面积}`, Japanese, Korean) come from the
    system font Qt picks for their script: a ziafont Font is built from that font's tables
    (QRawFont), so TrueType collections (.ttc: Microsoft YaHei, PingFang, Noto CJK), which ziafont
    cannot read, work too; the glyph is rescaled to the math font's units and given an index no
    math-font table can match. A character no font has makes the formula fail (shown as source).
  * Speed: ziamath lays every row out twice at every nesting level (once without stretchy
    operators, to measure); the first pass is skipped for rows with none, which gives
    byte-identical SVG about twice as fast.
  * Speed: a glyph's outline is written once per size, at the origin, and placed with a
    `translate` (ziafont writes every point of every glyph, at its absolute position, for every
    formula: a fifth of the time of an inline one).
  * Spacing: ×, ∩, ∪ … get TeX's binary-operator space (ziamath gives × almost none, ∩ none).
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import Any

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QRawFont

_BINARY_OPS = "×∩∪∖⊕⊗⊙∘÷∧∨⊓⊔⋅∗⋆"
original_height_nostretch: Any = None  # ziamath's own (the tests compare with it)
original_svgpath: Any = None  # ziafont's own


def apply() -> None:
    from ziamath import operators
    from ziamath.mathfont import MathFont
    from ziamath.nodes import mrow
    from ziamath.nodes.nodetools import elementtext

    for op in _BINARY_OPS:
        params = operators.operators.setdefault((op, "infix"), {})
        params.update({"lspace": "mediummathspace", "rspace": "mediummathspace"})
    operators.names.update(_BINARY_OPS)

    # Rows without a stretchy operator need no height-only layout pass (only stretchy <mo>
    # children read the row's extent).
    global original_height_nostretch
    original = original_height_nostretch = mrow.Mrow._get_height_nostretch

    def has_stretchy(line: Any) -> bool:
        for child in line:
            for el in child.iter():
                if el.tag == "mo" or (el.tag == "mi" and elementtext(el) in operators.names):
                    params = operators.get_params(elementtext(el), el.get("form", "infix"))
                    if el.get("stretchy", params.get("stretchy", "false")) != "false":
                        return True
        return False

    def get_height_nostretch(self: Any, line: Any, **kwargs: Any) -> Any:
        if not has_stretchy(line):
            return 0.0, 0.0
        return original(self, line, **kwargs)

    mrow.Mrow._get_height_nostretch = get_height_nostretch  # type: ignore[method-assign]

    # Glyphs the math font lacks come from a system font for their script.
    find = MathFont.findglyph

    def findglyph(self: Any, char: str, variant: Any) -> Any:
        glyph = find(self, char, variant)
        if glyph.index == 0 and not char.isspace():
            foreign = _foreign_glyph(self, char)
            if foreign is None:
                # No font has it: show the source (Qt's own text has the full system fallback)
                # rather than a formula with an empty box in it.
                raise LookupError(f"no glyph for {char!r}")
            return foreign
        return glyph

    MathFont.findglyph = findglyph  # type: ignore[method-assign]

    # Outlines once per glyph and size, placed by translation.
    from ziafont.glyph import SimpleGlyph
    from ziafont.svgpath import fmt

    global original_svgpath
    original_svgpath = SimpleGlyph.svgpath

    @lru_cache(maxsize=4096)
    def outline(glyph: Any, scale_factor: float) -> str | None:
        path = original_svgpath(glyph, 0, 0, scale_factor)
        return None if path is None else str(path.get("d"))

    def svgpath(self: Any, x0: float = 0, y0: float = 0, scale_factor: float = 1) -> Any:
        d = outline(self, scale_factor)
        if d is None:
            return None
        path = ET.Element("path", attrib={"d": d})
        if x0 or y0:
            path.set("transform", f"translate({fmt(x0)} {fmt(y0)})")
        return path

    SimpleGlyph.svgpath = svgpath  # type: ignore[method-assign]


_foreign_cache: dict[tuple[int, str, float], Any] = {}
# Chinese in \text{} at the text's size, not the maths' (set by formulas._render, under its lock)
foreign_scale = 1.0


def _foreign_glyph(mathfont: Any, char: str) -> Any:
    key = (id(mathfont), char, foreign_scale)
    if key in _foreign_cache:
        return _foreign_cache[key]
    glyph = None
    font = _fallback_font(_writing_system(char))
    if font is not None and font.glyphindex(char):
        glyph = _scaled_glyph(font.glyph(char), mathfont, foreign_scale)
    _foreign_cache[key] = glyph
    return glyph


def _writing_system(char: str) -> QFontDatabase.WritingSystem:
    ws = QFontDatabase.WritingSystem
    code = ord(char)
    if 0x3040 <= code <= 0x30FF:
        return ws.Japanese
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return ws.Korean
    if 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
        return ws.SimplifiedChinese
    return ws.Any


@lru_cache(maxsize=8)
def _fallback_font(writing_system: QFontDatabase.WritingSystem) -> Any:
    """A ziafont Font built from the tables of the font Qt uses for `writing_system` (ziafont
    reads files only, and no .ttc collection: it gets the bytes of one font instead)."""
    from ziafont import Font
    from ziafont.fontread import FontReader

    if QGuiApplication.instance() is None:
        return None  # QRawFont needs a GUI application's font database (else Qt aborts)
    raw = QRawFont.fromFont(QFont(), writing_system)
    if not raw.isValid():
        return None
    tables = {}
    for tag in (b"head", b"hhea", b"maxp", b"hmtx", b"cmap", b"name", b"loca", b"glyf", b"CFF "):
        data = bytes(raw.fontTable(tag.decode()).data())
        if data:
            tables[tag] = data
    if not all(t in tables for t in (b"head", b"hhea", b"maxp", b"hmtx", b"cmap")):
        return None
    if b"glyf" not in tables and b"CFF " not in tables:
        return None
    if b"name" not in tables:
        tables[b"name"] = struct.pack(">HHH", 0, 0, 6)  # an empty naming table
    font = Font.__new__(Font)
    font.fname = Path(f"fallback-{re.sub(r'[^A-Za-z0-9]', '', raw.familyName()) or 'font'}.ttf")
    font.fontfile = FontReader(_sfnt(tables))
    font.tables = {}
    font.features = {}
    font.info = font._loadfont()
    font._glyphs = {}
    font._glyphids = {}
    return font


def _sfnt(tables: dict[bytes, bytes]) -> bytes:
    """An OpenType file holding `tables` (checksums left 0: nothing here verifies them)."""
    tags = sorted(tables)
    flavour = b"OTTO" if b"CFF " in tables else b"\x00\x01\x00\x00"
    header = flavour + struct.pack(">HHHH", len(tags), 0, 0, 0)
    offset = 12 + 16 * len(tags)
    directory, body = b"", b""
    for tag in tags:
        data = tables[tag]
        directory += tag + struct.pack(">III", 0, offset + len(body), len(data))
        body += data + b"\x00" * (-len(data) % 4)
    return header + directory + body


def _scaled_glyph(glyph: Any, mathfont: Any, scale: float) -> Any:
    """`glyph` of another font, rescaled to the math font's units (times `scale`) for ziamath."""
    from ziafont.fonttypes import BBox
    from ziafont.glyph import SimpleGlyph

    k = scale * mathfont.info.layout.unitsperem / glyph.font.info.layout.unitsperem
    advance = glyph.font.advance(glyph.index, None) * k
    b = glyph.bbox

    class ForeignGlyph(SimpleGlyph):  # type: ignore[misc]
        def advance(self, nextchr: Any = None) -> float:  # type: ignore[override]
            return float(advance)

        def svgpath(self, x0: float = 0, y0: float = 0, scale_factor: float = 1) -> Any:
            path = ""
            for operator in self.operators:
                segment = operator.path(x0, y0, scale=self.funits_to_points(1, scale_factor) * k)
                if segment[0] == "M" and path:
                    path += "Z "
                path += segment
            if not path:
                return None
            return ET.Element("path", attrib={"d": path + "Z "})

    # An index no math-font table (ssty substitution, stretchy variants) can match.
    foreign = ForeignGlyph(10_000_000 + glyph.index, glyph.operators,
                           BBox(b.xmin * k, b.xmax * k, b.ymin * k, b.ymax * k), mathfont)
    foreign.id = f"fallback_{glyph.index}_{scale:g}"
    return foreign
