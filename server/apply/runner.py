"""Run ops through the engine in one write transaction."""

from __future__ import annotations

import datetime as dt

from sync import Outcome, Rejected, apply_batch
from sync.ops import Op

from server.db import Database

from .loader import load_state
from .writer import write_changes

# Every engine write takes this transaction-scoped lock on PostgreSQL, so batches apply in one
# commit order on every engine (SQLite gets the same from BEGIN IMMEDIATE).
_PG_ENGINE_LOCK = 7_441_001


async def engine_lock(tx) -> None:
    """Serialise engine writes on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if tx.dialect == "postgres":
        await tx.execute("SELECT pg_advisory_xact_lock(?)", _PG_ENGINE_LOCK)


async def run_ops(db: Database, ops: list[Op], *, actor: int | None, record_rejected: bool = False) -> list[Outcome]:
    """Apply server-origin ops atomically; returns one outcome per op with real ids in its result."""

    async def work(tx):
        await engine_lock(tx)
        state = await load_state(tx, ops)
        now = dt.datetime.now(dt.timezone.utc)
        outcomes = apply_batch(state, ops, now=now, actor=actor, record_rejected=record_rejected)
        await write_changes(tx, state, outcomes)
        return outcomes

    return await db.run_write(work)


async def run_one(db: Database, op: Op, *, actor: int | None) -> Outcome:
    """Apply one op for a REST request: a rejection changes nothing and is raised as a 4xx."""
    (outcome,) = await run_ops(db, [op], actor=actor, record_rejected=False)
    if outcome.status == "rejected":
        raise Rejected(outcome.code, outcome.message, outcome.field, outcome.http_status)
    return outcome
