"""Render the app icon's PNG sizes, Windows .ico and macOS .icns from resources/icons/*.svg.

Qt's own SVG renderer draws them offscreen, so no Pillow, Inkscape or iconutil is needed; the
.ico and .icns containers are written here (both formats are a short header plus images).
Run `make icons` (or `python packaging/make_icons.py`) after editing the SVG; `--check` fails
when the committed files are stale.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
NAME = "deepseek-local"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
# Below this size the simplified drawing (bigger spark, no waves) reads better.
SMALL_MAX = 32
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# macOS icon types that hold PNG data, by pixel size (the @2x ones reuse the larger renders).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
              (b"ic07", 128), (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512),
              (b"ic10", 1024))


def _qt():  # type: ignore[no-untyped-def]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def render(svg: Path, size: int):  # type: ignore[no-untyped-def]
    """The SVG drawn into a transparent size x size image."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"Qt cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image) -> bytes:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def _dib(image) -> bytes:  # type: ignore[no-untyped-def]
    """A 32-bit BGRA DIB as .ico wants it: bottom-up rows, doubled height, then the AND mask."""
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_ARGB32)
    w, h = img.width(), img.height()
    header = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0, w * h * 4, 0, 0, 0, 0)
    rows = []
    for y in range(h - 1, -1, -1):
        # Format_ARGB32 is stored as 0xAARRGGBB words, i.e. B, G, R, A bytes on little endian.
        line = bytes(img.constScanLine(y))[: w * 4]
        rows.append(line if sys.byteorder == "little" else _swap32(line))
    mask_stride = ((w + 31) // 32) * 4
    return header + b"".join(rows) + bytes(mask_stride * h)


def _swap32(line: bytes) -> bytes:
    return b"".join(line[i:i + 4][::-1] for i in range(0, len(line), 4))


def ico_bytes(images: dict[int, object]) -> bytes:
    """Windows .ico: DIB entries up to 128 px (read everywhere), a PNG entry at 256 px."""
    payloads = [(size, png_bytes(images[size]) if size >= 256 else _dib(images[size]))
                for size in ICO_SIZES]
    out = struct.pack("<HHH", 0, 1, len(payloads))
    offset = 6 + 16 * len(payloads)
    for size, data in payloads:
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(data for _size, data in payloads)


def icns_bytes(images: dict[int, object]) -> bytes:
    body = b""
    for kind, size in ICNS_TYPES:
        data = png_bytes(images[size])
        body += kind + struct.pack(">I", len(data) + 8) + data
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def build(icon_dir: Path = ICON_DIR) -> dict[Path, bytes]:
    """Every generated file and its content."""
    _qt()
    svg = icon_dir / f"{NAME}.svg"
    small_svg = icon_dir / f"{NAME}-small.svg"
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _kind, size in ICNS_TYPES})
    images = {size: render(small_svg if size <= SMALL_MAX and small_svg.exists() else svg, size)
              for size in sizes}
    files = {icon_dir / f"{NAME}-{size}.png": png_bytes(images[size]) for size in PNG_SIZES}
    files[icon_dir / f"{NAME}.ico"] = ico_bytes(images)
    files[icon_dir / f"{NAME}.icns"] = icns_bytes(images)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a generated file is missing or differs from the SVG")
    args = parser.parse_args(argv)
    stale = []
    for path, data in build().items():
        if path.exists() and path.read_bytes() == data:
            continue
        if args.check:
            stale.append(path.name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ICON_DIR.parent.parent)} ({len(data)} bytes)")
    if stale:
        print("stale icons (run `make icons`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
