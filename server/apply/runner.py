"""The one engine transaction: lock → load → apply → write back, committed together.

REST actions (`run_ops`, `run_one`), device pushes (`server.sync_api.service.push`) and the tests'
ledger replay all go through `engine_transaction`; nothing else assembles the engine's steps. It is
also the one place that announces a change to the live floor (server/live): like an action that
emits its event, nothing commits ledger rows behind the stream's back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from server.db import DATA_ERRORS, Database, Tx
from server.live import announce_after_commit, notify_in_transaction
from server.settings import stock_policy
from sync import Outcome, Rejected, apply_batch
from sync.engine import BadOp, Submission
from sync.ops import Op, encode_args, op_type

from .loader import load_state
from .writer import write_changes

T = TypeVar("T")
# Read once per process: tolerances are deployment settings, like the database URL.
_POLICY = stock_policy()

# Every engine write takes this transaction-scoped lock on PostgreSQL, so batches apply in one
# commit order on every engine (SQLite gets the same from BEGIN IMMEDIATE).
_PG_ENGINE_LOCK = 7_441_001


class EngineTx:
    """An open, locked write transaction in which the engine can apply batches."""

    def __init__(self, tx: Tx):
        self.tx = tx
        self.ledger_id = 0  # the highest ledger row this transaction wrote (0: none)

    async def apply(
        self,
        submissions: Sequence[Submission | Op],
        *,
        now: dt.datetime,
        actor: int | None,
        actor_name: str = "",
        device_id: str | None = None,
        record_rejected: bool = True,
        allowed: frozenset[str] | None = None,
    ) -> list[Outcome]:
        """Load the slice these ops need, apply them, write back what changed (ids filled into outcomes)."""
        batch = list(submissions)
        state = await load_state(self.tx, batch, actor)
        outcomes = apply_batch(
            state,
            batch,
            now=now,
            actor=actor,
            actor_name=actor_name,
            device_id=device_id,
            record_rejected=record_rejected,
            allowed=allowed,
            policy=_POLICY,
        )
        await write_changes(self.tx, state, outcomes)
        for outcome in outcomes:
            if outcome.ledger is not None and outcome.ledger.id > self.ledger_id:
                self.ledger_id = outcome.ledger.id
        return outcomes

    async def apply_each(
        self,
        submissions: Sequence[Submission],
        *,
        now: dt.datetime,
        actor: int | None,
        actor_name: str = "",
        device_id: str | None = None,
        allowed: frozenset[str] | None = None,
    ) -> list[Outcome]:
        """Apply ops one at a time, each in a savepoint: an op whose data the database refuses is rejected
        alone (`database_refused`, with its ledger row and an exception), and the others apply. Slower than
        `apply`; used only to retry a batch that failed as a whole with a data error."""
        outcomes: list[Outcome] = []
        for submission in submissions:
            await self.tx.execute("SAVEPOINT engine_op")
            try:
                outcomes += await self.apply(
                    [submission], now=now, actor=actor, actor_name=actor_name, device_id=device_id, allowed=allowed
                )
                await self.tx.execute("RELEASE SAVEPOINT engine_op")
            except DATA_ERRORS as error:
                await self.tx.execute("ROLLBACK TO SAVEPOINT engine_op")
                await self.tx.execute("RELEASE SAVEPOINT engine_op")
                refused = _refused(submission, error)
                outcomes += await self.apply([refused], now=now, actor=actor, actor_name=actor_name, device_id=device_id)
        return outcomes


def _refused(submission: Submission, error: BaseException) -> Submission:
    """The op as a BadOp the engine rejects: the database would not store what it asked for."""
    op = submission.op
    if isinstance(op, BadOp):
        kind, version, args = op.type, op.version, op.args
    else:
        kind, version, args = op_type(op), type(op).VERSION, encode_args(op)
    reason = type(error).__name__.removesuffix("Error").replace("_", " ") or "refused"
    message = f"the database refused this op's data ({reason}); this op was not applied, the rest of its batch was"
    return Submission(BadOp(kind, version, args, "database_refused", message), submission.seq, submission.device_at)


async def engine_transaction(db: Database, work: Callable[[EngineTx], Awaitable[T]]) -> T:
    """Run `work` in one write transaction holding the engine lock; it commits when `work` returns.
    When it wrote ledger rows, the live floor of every server process hears of it once it commits."""
    written = 0

    async def locked(tx: Tx) -> T:
        nonlocal written
        if tx.dialect == "postgres":
            await tx.execute("SELECT pg_advisory_xact_lock(?)", _PG_ENGINE_LOCK)
        engine = EngineTx(tx)
        result = await work(engine)
        if engine.ledger_id:
            await notify_in_transaction(tx, engine.ledger_id)  # PostgreSQL delivers it on commit only
        written = engine.ledger_id
        return result

    result = await db.run_write(locked)
    if written:
        announce_after_commit(written)
    return result


async def run_ops(db: Database, ops: Sequence[Op], *, actor: int | None, record_rejected: bool = False) -> list[Outcome]:
    """Apply server-origin ops atomically; returns one outcome per op with real ids in its result."""

    async def work(engine: EngineTx) -> list[Outcome]:
        now = dt.datetime.now(dt.UTC)  # taken under the lock: commit times follow commit order
        return await engine.apply(ops, now=now, actor=actor, record_rejected=record_rejected)

    return await engine_transaction(db, work)


async def run_one(db: Database, op: Op, *, actor: int | None) -> Outcome:
    """Apply one op for a REST request: a rejection changes nothing and is raised as a 4xx."""
    (outcome,) = await run_ops(db, [op], actor=actor, record_rejected=False)
    if outcome.status == "rejected":
        assert outcome.code is not None and outcome.message is not None  # the engine sets both on a rejection
        raise Rejected(outcome.code, outcome.message, outcome.field, outcome.http_status)
    return outcome
