"""What an uploaded file is, read from its first bytes: never from its name or a header the client wrote."""

from __future__ import annotations

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def image_type(data: bytes) -> str | None:
    """`image/jpeg`, `image/png` or `image/webp` by the file's magic bytes; None for anything else."""
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(_JPEG):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
