"""The sync epoch: which history of the database devices are synced against.

Restoring a backup puts the database back in time: ledger ids that devices' cursors already passed
are handed out again, and devices' last acknowledged seqs go back. Without a marker a phone would
pull a *delta* against a history that is no longer the server's and silently miss rows. So:

* `sync_epoch` holds one row per history; the newest is the current epoch. The first is made by the
  migration that added the table; `shipshape new-epoch` (run after a restore) starts another.
* Pull cursors carry the epoch (v3). A cursor of another epoch gets a full snapshot (`reset: true`);
  v1/v2 cursors, from before epochs existed, belong to the first epoch.
* `new-epoch` notes each device's `last_seq` in `device.epoch_seq`. A device's first push after the
  restore may then start past `last_seq + 1` (it already deleted ops the server acknowledged before
  the restore and lost with it): the gap is accepted once, recorded as an exception for a supervisor
  and in the log, and the device's next seqs are applied exactly once. Once that device pushed in the
  new epoch, a gap is a 409 again.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from server.db import Database, Tx
from server.ops import metrics
from server.ops.logs import event

log = logging.getLogger("shipshape.sync")
FIRST_EPOCH_ID = 1  # the row the migration made; v1/v2 cursors belong to it


@dataclass(frozen=True, slots=True)
class Epoch:
    id: int
    epoch: str
    started_at: dt.datetime | str


async def current(tx: Tx) -> Epoch:
    row = await tx.fetchrow("SELECT id, epoch, started_at FROM sync_epoch ORDER BY id DESC LIMIT 1")
    if row is None:  # cannot happen after the migration; a hand-emptied table still syncs as the first epoch
        return Epoch(FIRST_EPOCH_ID, "0", "")
    return Epoch(row["id"], row["epoch"], row["started_at"])


def new_epoch_id() -> str:
    return secrets.token_hex(8)


async def begin_new_epoch(db: Database, note: str = "") -> Epoch:
    """Start a new epoch (after a restore): every device re-pulls a full snapshot, and each device's
    next push may skip the seqs the restore lost."""
    now = dt.datetime.now(dt.UTC)
    epoch = new_epoch_id()
    async with db.write() as tx:
        await tx.execute("INSERT INTO sync_epoch (epoch, started_at, note) VALUES (?, ?, ?)", epoch, now, note)
        await tx.execute("UPDATE device SET epoch_seq = last_seq")
        started = await current(tx)
    event(log, logging.WARNING, "new sync epoch: every device will re-pull a full snapshot", epoch=epoch, note=note)
    return started


async def accept_restore_gap(db: Database, device_id: str, first_seq: int) -> bool:
    """True when the device's push starting at `first_seq` skips seqs that a restore lost: its last_seq
    is still what it was when the epoch began. Moves last_seq to `first_seq - 1` (at most once per
    device and epoch) and leaves an exception for a supervisor; False when the gap is not the restore's."""
    now = dt.datetime.now(dt.UTC)
    async with db.write() as tx:
        before = await tx.fetchrow("SELECT last_seq, epoch_seq FROM device WHERE device_id = ?", device_id)
        if before is None or before["epoch_seq"] is None or before["last_seq"] != before["epoch_seq"]:
            return False
        if before["last_seq"] >= first_seq - 1:
            return False
        # Compare-and-set: a concurrent push of the same device moves last_seq, and then this changes nothing.
        moved = await tx.fetchrow(
            "UPDATE device SET last_seq = ?, epoch_seq = NULL WHERE device_id = ? AND last_seq = ? AND epoch_seq = ? "
            "RETURNING device_id",
            first_seq - 1,
            device_id,
            before["last_seq"],
            before["epoch_seq"],
        )
        if moved is None:
            return False
        lost_from = before["last_seq"] + 1
        message = (
            f"ops {lost_from}–{first_seq - 1} of device {device_id} were acknowledged before the database was "
            "restored from a backup and are not in it: check what that phone did then (picks, counts, deliveries) "
            "and enter it again"
        )
        await tx.execute(
            "INSERT INTO sync_exception (kind, code, message, status, device_id, seq, qty, people, created_at) "
            "VALUES ('restore_gap', 'acked_ops_lost_in_restore', ?, 'open', ?, ?, 0, '', ?)",
            message,
            device_id,
            first_seq - 1,
            now,
        )
    metrics.RESTORE_GAPS.inc()
    event(
        log,
        logging.WARNING,
        "device's ops lost in a restore: accepting its next seqs",
        device_id=device_id,
        lost_from=lost_from,
        lost_through=first_seq - 1,
        next_seq=first_seq,
    )
    return True
