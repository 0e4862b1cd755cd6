"""Wire types of the attachment routes."""

from __future__ import annotations

import msgspec

from server.errors import ErrorBody


class AttachmentOut(msgspec.Struct):
    """A complete attachment. `stored` says whether this request wrote it (201) or found it (200)."""

    id: str
    sha256: str
    size: int
    content_type: str  # sniffed from the bytes: image/jpeg | image/png | image/webp
    kind: str  # photo | signature
    complete: bool
    stored: bool


class UploadProgress(msgspec.Struct):
    """An unfinished upload (202, and GET …/status): send the bytes from `received` on."""

    id: str
    received: int
    total: int
    complete: bool


class UploadConflict(ErrorBody):
    """409: `attachment_conflict` (the id holds other bytes), or `range_mismatch` with `received`,
    the bytes the server holds: resume from there."""

    received: int | None = None
