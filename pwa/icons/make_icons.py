"""Draw the app icons (a white parcel on Shipshape green) as PNGs with the standard library only.

Run from anywhere: `python pwa/icons/make_icons.py`. Pillow is not a dependency of the project, so
the shapes are rasterised here with 4×4 supersampling for smooth edges and written with zlib.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
GREEN = (0x0B, 0x3D, 0x2E)
TAPE = (0x5F, 0xB8, 0x93)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4

# The parcel in unit coordinates (x0, y0, x1, y1), painted in order; later shapes cover earlier ones.
# Every corner lies within 0.4 of the centre, the safe zone of a maskable icon.
_PARCEL = [
    ((0.25, 0.29, 0.75, 0.41), WHITE),  # lid
    ((0.29, 0.44, 0.71, 0.74), WHITE),  # body
    ((0.455, 0.29, 0.545, 0.41), TAPE),  # tape over the lid
    ((0.455, 0.44, 0.545, 0.58), TAPE),  # tape down the front
]


def _inside_rounded_square(x: float, y: float, radius: float) -> bool:
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _sample(x: float, y: float, corner: float, scale: float) -> tuple[int, int, int, int]:
    """Colour at a unit point: transparent outside the background, else the topmost shape."""
    if corner and not _inside_rounded_square(x, y, corner):
        return (0, 0, 0, 0)
    # Scale the glyph about the centre, so the maskable icon can keep a wider margin.
    gx, gy = 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale
    colour = GREEN
    for (x0, y0, x1, y1), fill in _PARCEL:
        if x0 <= gx < x1 and y0 <= gy < y1:
            colour = fill
    return (*colour, 255)


def render(size: int, corner: float, scale: float) -> bytes:
    rows = []
    step = 1 / (size * SAMPLES)
    for py in range(size):
        row = bytearray([0])  # PNG filter type 0 for each scanline
        for px in range(size):
            r = g = b = a = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    cr, cg, cb, ca = _sample(x, y, corner, scale)
                    # Premultiply so transparent samples do not darken the edge colour.
                    r += cr * ca
                    g += cg * ca
                    b += cb * ca
                    a += ca
            if a:
                row += bytes((round(r / a), round(g / a), round(b / a), round(a / SAMPLES**2)))
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    # "any" icons get rounded corners; the maskable one is full-bleed, because the launcher crops it.
    icons = {
        "icon-192.png": (192, 0.18, 1.0),
        "icon-512.png": (512, 0.18, 1.0),
        "icon-maskable-512.png": (512, 0.0, 0.9),
    }
    for name, (size, corner, scale) in icons.items():
        (HERE / name).write_bytes(render(size, corner, scale))
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
