"""Uploading a proof-of-delivery file, whole or in byte ranges, and reading it back.

The rules, in the order a PUT meets them:
1. the id (a lowercase UUID v4), the kind, the whole file's SHA-256 and the byte range must be well
   formed (400 naming the header), and the file's total size within the kind's limit (413, before
   any of the body is read);
2. an id already held whole answers for itself: the same SHA-256 is a repeat (200, nothing read or
   written), another is a conflict (409);
3. a chunk must start where the bytes held end (409 `range_mismatch` with `received`); a request
   carrying the whole file is always taken;
4. the file, once whole, must hash to the SHA-256 announced (else 400, and the partial bytes are
   dropped) and be a JPEG, PNG or WebP by its first bytes (signatures: PNG only; else 415);
5. it is written to its place, and only then is its row committed: the row's primary key is the
   arbiter between two requests completing the same id at once (the loser writes nothing and
   answers as a repeat would).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from server.accounts.security import CurrentUser
from server.attachments.schemas import AttachmentOut, UploadProgress
from server.attachments.sniff import image_type
from server.attachments.storage import AttachmentStore, PartialMeta
from server.db import Database
from server.errors import DomainError

# Largest file of each kind, in bytes: photos are resized on the phone before they are queued.
MAX_SIZE = {"photo": 300 * 1024, "signature": 100 * 1024}
CONTENT_TYPES = {"photo": ("image/jpeg", "image/png", "image/webp"), "signature": ("image/png",)}

SHA256_HEADER = "X-Content-SHA256"
KIND_HEADER = "X-Attachment-Kind"
RANGE_HEADER = "Content-Range"

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_RANGE = re.compile(r"bytes (\d{1,12})-(\d{1,12})/(\d{1,12})")


class RangeMismatch(DomainError):
    """A chunk that does not start where the bytes held end: resume from `received`."""

    def __init__(self, received: int):
        super().__init__(
            "range_mismatch", f"the server holds bytes 0-{received - 1} of this file: send from byte {received}", RANGE_HEADER
        )
        self.extra = {"received": received}


@dataclass(frozen=True, slots=True)
class Chunk:
    """What a PUT says it carries: bytes start…end (inclusive) of a file of `total` bytes."""

    attachment_id: str
    kind: str
    sha256: str
    start: int
    end: int
    total: int
    sized: bool = True  # False: the whole file, sent without Content-Length (total is then the kind's limit)
    ranged: bool = False  # named by a Content-Range header

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.end == self.total - 1

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def check_id(attachment_id: str) -> None:
    if not _ID.fullmatch(attachment_id):
        raise DomainError(
            "invalid_id", "an attachment id is a lowercase UUID v4 (xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx)", "id", status=400
        )


def parse_chunk(
    attachment_id: str, kind: str | None, sha256: str | None, content_range: str | None, content_length: int | None
) -> Chunk:
    """The request's headers, checked (400 naming the header that is wrong, 413 for a file too large)."""
    check_id(attachment_id)
    if kind not in MAX_SIZE:
        raise DomainError("invalid_kind", f"{KIND_HEADER} must be photo or signature", KIND_HEADER, status=400)
    if sha256 is None or not _SHA256.fullmatch(sha256):
        raise DomainError(
            "invalid_sha256", f"{SHA256_HEADER} must be the whole file's SHA-256 as 64 lowercase hex digits", SHA256_HEADER, 400
        )
    if content_range is None:
        if content_length == 0:
            raise DomainError("empty_body", "the body holds no bytes: send the file", "body", status=400)
        # Sent without Content-Length, the size is known once read (and capped while reading).
        total = MAX_SIZE[kind] if content_length is None else content_length
        chunk = Chunk(attachment_id, kind, sha256, 0, total - 1, total, sized=content_length is not None)
    else:
        match = _RANGE.fullmatch(content_range.strip())
        start, end, total = (int(n) for n in match.groups()) if match else (0, -1, 0)
        if not match or not start <= end < total:
            raise DomainError(
                "invalid_range",
                f"{RANGE_HEADER} must read `bytes <start>-<end>/<total>` with start ≤ end < total",
                RANGE_HEADER,
                status=400,
            )
        chunk = Chunk(attachment_id, kind, sha256, start, end, total, ranged=True)
        if content_length is not None and content_length != chunk.length:
            raise DomainError(
                "invalid_range",
                f"the body holds {content_length} bytes but {RANGE_HEADER} names {chunk.length}",
                RANGE_HEADER,
                400,
            )
    if chunk.total > MAX_SIZE[kind]:
        raise _too_large(kind, chunk.total)
    return chunk


def _too_large(kind: str, total: int | None) -> DomainError:
    size = "" if total is None else f" of {total} bytes"
    return DomainError("too_large", f"a {kind}{size} is over the limit of {MAX_SIZE[kind]} bytes", "body", status=413)


async def _read_body(body: AsyncIterator[bytes], chunk: Chunk) -> bytes:
    """The request body, never read further than the size announced (or the kind's limit)."""
    data = bytearray()
    async for piece in body:
        data += piece
        if len(data) > chunk.length:
            if not chunk.sized:
                raise _too_large(chunk.kind, None)
            break
    if not data:
        raise DomainError("empty_body", "the body holds no bytes: send the file", "body", status=400)
    if chunk.sized and len(data) != chunk.length:
        raise DomainError(
            "invalid_range" if chunk.ranged else "invalid_length",
            f"the body does not hold the {chunk.length} bytes its headers announce",
            RANGE_HEADER if chunk.ranged else "body",
            status=400,
        )
    return bytes(data)


_COLUMNS = "id, sha256, size, content_type, kind"


async def _find(db: Database, attachment_id: str):
    return await db.fetchrow(f"SELECT {_COLUMNS}, uploaded_by FROM attachment WHERE id = ?", attachment_id)


def _out(row, stored: bool) -> AttachmentOut:
    return AttachmentOut(
        id=row["id"],
        sha256=row["sha256"],
        size=row["size"],
        content_type=row["content_type"],
        kind=row["kind"],
        complete=True,
        stored=stored,
    )


def _repeat(row, chunk: Chunk) -> AttachmentOut:
    """An upload of an id already held whole: a repeat (same bytes) or a conflict."""
    if row["sha256"] != chunk.sha256:
        raise DomainError(
            "attachment_conflict",
            f"attachment {chunk.attachment_id} is already held with other content (SHA-256 {row['sha256']})",
            "id",
            status=409,
        )
    return _out(row, stored=False)


async def upload(
    db: Database,
    store: AttachmentStore,
    user: CurrentUser,
    chunk: Chunk,
    body: AsyncIterator[bytes],
) -> AttachmentOut | UploadProgress:
    """Take one PUT: a complete attachment (new, or a repeat) or the progress of an unfinished one."""
    existing = await _find(db, chunk.attachment_id)
    if existing is not None:
        await asyncio.to_thread(store.discard_partial, chunk.attachment_id)  # a leftover of a race, if any
        return _repeat(existing, chunk)
    partial = await asyncio.to_thread(store.partial, chunk.attachment_id)
    if partial is not None and (
        (partial.meta.sha256, partial.meta.kind) != (chunk.sha256, chunk.kind)
        or (chunk.sized and partial.meta.total != chunk.total)
    ):
        raise DomainError(
            "attachment_conflict",
            f"an upload of attachment {chunk.attachment_id} with another SHA-256, size or kind is under way",
            "id",
            status=409,
        )
    if chunk.whole:
        data = await _read_body(body, chunk)
        return await _complete(db, store, user, chunk, data)
    received = 0 if partial is None else partial.received
    if chunk.start != received:
        raise RangeMismatch(received)
    data = await _read_body(body, chunk)
    meta = PartialMeta(chunk.sha256, chunk.total, chunk.kind)
    received = await asyncio.to_thread(store.write_chunk, chunk.attachment_id, meta, chunk.start, data)
    if received < chunk.total:
        return UploadProgress(id=chunk.attachment_id, received=received, total=chunk.total, complete=False)
    return await _complete(db, store, user, chunk, await asyncio.to_thread(store.assembled, chunk.attachment_id))


async def _complete(db: Database, store: AttachmentStore, user: CurrentUser, chunk: Chunk, data: bytes) -> AttachmentOut:
    """Check the assembled file, put it in its place, then commit its row."""
    attachment_id = chunk.attachment_id
    if hashlib.sha256(data).hexdigest() != chunk.sha256:
        await asyncio.to_thread(store.discard_partial, attachment_id)
        raise DomainError(
            "sha256_mismatch",
            f"the {len(data)} bytes received do not hash to {SHA256_HEADER}; they were discarded: upload the file again",
            SHA256_HEADER,
            status=400,
        )
    content_type = image_type(data)
    if content_type is None or content_type not in CONTENT_TYPES[chunk.kind]:
        await asyncio.to_thread(store.discard_partial, attachment_id)
        allowed = ", ".join(CONTENT_TYPES[chunk.kind])
        raise DomainError(
            "unsupported_type",
            f"a {chunk.kind} must be {allowed} (judged by its content, which is {content_type or 'none of these'})",
            "body",
            status=415,
        )
    temp = await asyncio.to_thread(store.stage, attachment_id, data)
    placed = False
    try:
        async with db.write() as tx:
            inserted = await tx.fetchval(
                "INSERT INTO attachment (id, sha256, kind, content_type, size, uploaded_by, device_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
                attachment_id,
                chunk.sha256,
                chunk.kind,
                content_type,
                len(data),
                user.id,
                user.session_device,
            )
            if inserted is not None:
                # In place before the row commits: a crash between the two leaves a file no row
                # names (harmless, overwritten by the next upload of the id), never a row without its file.
                await asyncio.to_thread(store.place, temp, attachment_id)
                placed = True
    finally:
        if not placed:
            await asyncio.to_thread(store.discard, temp)
    await asyncio.to_thread(store.discard_partial, attachment_id)
    if not placed:  # another request completed this id first
        existing = await _find(db, attachment_id)
        assert existing is not None, "the row that won the insert is committed"
        return _repeat(existing, chunk)
    return AttachmentOut(
        id=attachment_id,
        sha256=chunk.sha256,
        size=len(data),
        content_type=content_type,
        kind=chunk.kind,
        complete=True,
        stored=True,
    )


async def progress(db: Database, store: AttachmentStore, attachment_id: str) -> UploadProgress | None:
    """How much of an attachment the server holds (None: nothing at all)."""
    check_id(attachment_id)
    row = await _find(db, attachment_id)
    if row is not None:
        return UploadProgress(id=attachment_id, received=row["size"], total=row["size"], complete=True)
    partial = await asyncio.to_thread(store.partial, attachment_id)
    if partial is None:
        return None
    return UploadProgress(id=attachment_id, received=partial.received, total=partial.meta.total, complete=False)


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: Path
    content_type: str
    uploaded_by: int


async def stored_file(db: Database, store: AttachmentStore, attachment_id: str) -> StoredFile | None:
    check_id(attachment_id)
    row = await _find(db, attachment_id)
    if row is None:
        return None
    return StoredFile(store.path(attachment_id), row["content_type"], row["uploaded_by"])
