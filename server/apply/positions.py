"""Ledger positions on PostgreSQL: ids from a sequence, and the end below which nothing can still commit.

Pull cursors are ledger ids: a delta pull sends what changed after its cursor (rows carry the ledger
id of their last change). That needs a position `end` such that every ledger id up to `end` is either
visible or will never be: an id taken by a transaction still running must not be passed over.

On SQLite one writer commits at a time and ids follow commit order: the end is MAX(id) in the read's
snapshot. On PostgreSQL many transactions take ids from the ledger's sequence and commit in any
order, with no lock to make them take turns (that lock was the write path's bottleneck under 200
devices: docs/benchmarks.md). Instead (functions in migration 2026-12-02T01):

- a writer takes its ids with `shipshape_ledger_ids(n)`, which publishes its first id as a *marker*
  (a shared advisory lock, rank MARK, held until the transaction ends — commit or rollback);
- `shipshape_ledger_end()` reads the lowest marker in `pg_locks`, then MAX(id) in a new snapshot,
  and answers min(MAX(id), lowest marker - 1);
- both hold the GATE key around their step (writers shared, the end exclusive), so a first id can
  never have been taken without its marker being published when the end looks.

Every transaction whose ids are at most the end is therefore committed (or rolled back) when the end
is read; a read that begins after it sees all of them. The end never moves backwards.
"""

from __future__ import annotations

from server.db import Database, Tx


async def allocate(tx: Tx, count: int) -> list[int]:
    """`count` new ledger ids for this transaction (PostgreSQL), its first published until it ends."""
    rows = await tx.fetch("SELECT shipshape_ledger_ids(?)", count)
    return [r[0] for r in rows]


async def end(db: Database) -> int | None:
    """The ledger's safe end, read before a snapshot is taken (PostgreSQL); None on SQLite, where the
    snapshot's MAX(id) is the end."""
    if db.dialect != "postgres":
        return None
    row = await db.fetchrow("SELECT shipshape_ledger_end()")  # its own statement, at READ COMMITTED
    return int(row[0])
