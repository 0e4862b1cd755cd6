"""Devices report their backlog: each push and pull says how many ops the phone still holds unsent.

The floor lists phones with a backlog (a picker in a dead corner with 40 scans queued) and when each
was last seen. Reports are written only when they change something, so the usual push or pull costs
no extra statement: a push with new ops folds the report into the UPDATE it already makes, and
otherwise a report is written when the count changed or the "last seen" time is over a minute old.
"""

from __future__ import annotations

import datetime as dt

from server.db import Database, Tx, stored_time

from .publish import announce_after_commit, notify_in_transaction

# "Last seen" is kept to within this much when nothing else changes (one write a minute at most).
SEEN_GRANULARITY = dt.timedelta(seconds=60)
MAX_PENDING = 1_000_000


_utc = stored_time  # one conversion for every stored timestamp (server/db.py)


def report_due(device, pending: int | None, now: dt.datetime) -> bool:
    """Whether a report changes the device row (`device` holds its `pending_reported` and `last_seen_at`)."""
    if pending is not None and pending != device["pending_reported"]:
        return True
    seen = _utc(device["last_seen_at"])
    return seen is None or now - seen >= SEEN_GRANULARITY


async def write_report(tx: Tx, device_id: str, pending: int | None, now: dt.datetime) -> None:
    """Record that the device was seen now (and its backlog, when it reported one)."""
    await tx.execute(
        "UPDATE device SET last_seen_at = ?, pending_reported = COALESCE(?, pending_reported), "
        "pending_at = COALESCE(?, pending_at) WHERE device_id = ?",
        now,
        pending,
        None if pending is None else now,
        device_id,
    )
    if pending is not None:
        await notify_in_transaction(tx, None)


async def record_seen(db: Database, device, device_id: str, pending: int | None, now: dt.datetime) -> None:
    """A pull's report, in a transaction of its own, written only when due; the floor hears of a new count."""
    if not report_due(device, pending, now):
        return

    async def work(tx: Tx) -> None:
        await write_report(tx, device_id, pending, now)

    await db.run_write(work)
    if pending is not None and pending != device["pending_reported"]:
        announce_after_commit(None)
