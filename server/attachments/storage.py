"""Attachment bytes on disk, under SHIPSHAPE_ATTACHMENT_DIR.

    <dir>/<id[:2]>/<id>          a complete file (its row in `attachment` names it)
    <dir>/partial/<id>           the bytes of an unfinished upload, in order from 0
    <dir>/partial/<id>.json      what that upload will be: {"sha256", "total", "kind"}

A complete file is written to a temporary name beside its place, flushed to disk and renamed over
it, so a reader never sees half a file. Everything here is blocking file work: the service runs it
in a thread.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import msgspec


class PartialMeta(msgspec.Struct):
    sha256: str
    total: int
    kind: str


@dataclass(frozen=True, slots=True)
class Partial:
    meta: PartialMeta
    received: int  # bytes held, from 0


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AttachmentStore:
    """The attachment folder. Ids are checked (a lowercase UUID) before they get here."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, attachment_id: str) -> Path:
        return self.root / attachment_id[:2] / attachment_id

    def _partial(self, attachment_id: str) -> Path:
        return self.root / "partial" / attachment_id

    def _meta(self, attachment_id: str) -> Path:
        return self.root / "partial" / f"{attachment_id}.json"

    # --- unfinished uploads -------------------------------------------------------------------

    def partial(self, attachment_id: str) -> Partial | None:
        """The unfinished upload of this id, if one was begun."""
        try:
            meta = msgspec.json.decode(self._meta(attachment_id).read_bytes(), type=PartialMeta)
        except (FileNotFoundError, msgspec.DecodeError):
            return None
        try:
            received = self._partial(attachment_id).stat().st_size
        except FileNotFoundError:
            received = 0
        return Partial(meta, received)

    def write_chunk(self, attachment_id: str, meta: PartialMeta, start: int, data: bytes) -> int:
        """Write `data` at offset `start` of the unfinished upload; the bytes now held.

        Written at its offset rather than appended: a retried chunk racing its first attempt writes
        the same bytes to the same place."""
        folder = self._partial(attachment_id).parent
        folder.mkdir(parents=True, exist_ok=True)
        meta_path = self._meta(attachment_id)
        if not meta_path.exists():
            self._write_atomically(meta_path, msgspec.json.encode(meta))
        with open(self._partial(attachment_id), "ab+") as f:
            os.pwrite(f.fileno(), data, start)
            f.flush()
            os.fsync(f.fileno())
            return os.fstat(f.fileno()).st_size

    def assembled(self, attachment_id: str) -> bytes:
        return self._partial(attachment_id).read_bytes()

    def discard_partial(self, attachment_id: str) -> None:
        for path in (self._partial(attachment_id), self._meta(attachment_id)):
            path.unlink(missing_ok=True)

    # --- complete files -----------------------------------------------------------------------

    def stage(self, attachment_id: str, data: bytes) -> Path:
        """Write a complete file under a temporary name beside its place, flushed to disk."""
        final = self.path(attachment_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{attachment_id}.{secrets.token_hex(4)}.tmp")
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return temp

    def place(self, temp: Path, attachment_id: str) -> None:
        """Put a staged file in its place, atomically."""
        final = self.path(attachment_id)
        os.replace(temp, final)
        _fsync_dir(final.parent)

    def discard(self, temp: Path) -> None:
        temp.unlink(missing_ok=True)

    def read(self, attachment_id: str) -> bytes:
        return self.path(attachment_id).read_bytes()

    def _write_atomically(self, path: Path, data: bytes) -> None:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
