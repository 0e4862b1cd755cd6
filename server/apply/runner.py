"""The one engine transaction: lock → load → apply → write back, committed together.

Locking: SQLite has one writer (BEGIN IMMEDIATE), so a batch simply loads, applies and writes. On
PostgreSQL many server processes write at once; a batch locks the *owners* of what it touches
(server/apply/locks.py) in ascending key order, reads them again under the locks, and only then
decides. A transaction that discovers it needs a key below one it holds does not wait for it: it
rolls back and starts again with every key it has seen taken up front. A transaction that loses a
race on a unique key (two processes inserting the same order or ledger row), or that PostgreSQL
reports as a serialization failure or deadlock (neither should happen; belt and braces), is also
rolled back whole and run again — its ops were not applied, so nothing is applied twice.

REST actions (`run_ops`, `run_one`), device pushes (`server.sync_api.service.push`) and the tests'
ledger replay all go through `engine_transaction`; nothing else assembles the engine's steps. It is
also the one place that announces a change to the live floor (server/live): like an action that
emits its event, nothing commits ledger rows behind the stream's back.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import asyncpg

from server.db import DATA_ERRORS, Database, Tx
from server.errors import Busy
from server.live import announce_after_commit, notify_in_transaction
from server.ops import metrics
from server.settings import stock_policy
from sync import Outcome, Rejected, apply_batch
from sync.engine import BadOp, Submission
from sync.ops import Op, encode_args, op_type

from . import locks
from .keymemo import MEMO
from .loader import load_state
from .writer import write_changes

T = TypeVar("T")
# Read once per process: tolerances are deployment settings, like the database URL.
_POLICY = stock_policy()

# Attempts of one engine transaction on PostgreSQL before it gives up (each retry is a rollback).
_ATTEMPTS = 12
# Errors that mean "another transaction got there first": run the whole transaction again.
_RACES: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.UniqueViolationError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)


class Relock(Exception):
    """The transaction needs a lock below one it holds: roll back and start with `keys` taken first."""

    def __init__(self, keys: set[int]):
        super().__init__(f"restart with {len(keys)} locks taken up front")
        self.keys = keys


class EngineBusy(Busy):
    """An engine transaction lost its races `_ATTEMPTS` times in a row (answered 503, Retry-After)."""


class EngineTx:
    """An open write transaction in which the engine can apply batches (locked as it goes on PostgreSQL)."""

    def __init__(self, tx: Tx):
        self.tx = tx
        self.ledger_id = 0  # the highest ledger row this transaction wrote (0: none)
        self.held: set[int] = set()
        self._top = -1  # the highest key held: keys are only ever taken above it
        self._pg = tx.dialect == "postgres"

    async def lock(self, keys: set[int]) -> None:
        """Hold every key in `keys` (PostgreSQL; a no-op on SQLite, whose writer is alone).

        Keys are taken in ascending order only. If one of the missing keys is below a key already
        held, waiting for it could close a cycle with another transaction, so instead this raises
        `Relock` with everything needed so far: the transaction is rolled back and run again with all
        of them taken up front, in order."""
        if not self._pg:
            return
        missing = sorted(keys - self.held)
        if not missing:
            return
        if missing[0] < self._top:
            raise Relock(self.held | keys)
        started = time.perf_counter()
        await self.tx.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(?::bigint[]) AS k", missing)
        metrics.ENGINE_LOCK_WAIT.observe(time.perf_counter() - started)
        self.held.update(missing)
        self._top = missing[-1]

    async def lock_name(self, name: str) -> None:
        """Take turns with every transaction that locks `name` — e.g. a device id: a device's pushes and
        the hand-over of its quarantined ops read its seqs and apply them one transaction at a time.
        Call it first: names rank below every row owner."""
        await self.lock({locks.name_key(name)})

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
        if self._pg:
            # What these ops' orders needed last time, taken before reading: most batches then load once.
            guess = MEMO.guess(batch)
            if guess:
                await self.lock(set(guess))
        state = await load_state(self.tx, batch, actor)
        if self._pg:
            needed = locks.keys_of(state)
            if not needed <= self.held:
                # Read without some of its locks: lock what it showed, then read it again under them.
                await self.lock(needed)
                state = await load_state(self.tx, batch, actor)
                needed = locks.keys_of(state)
                if not needed <= self.held:  # it changed in between: start over with all of it locked
                    raise Relock(self.held | needed)
            MEMO.learn(state)
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
        # Ledger ids are not handed out in commit order on PostgreSQL; pull cursors stay below the ids
        # of transactions still running (server/apply/positions.py), so no lock is taken for them here.
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
            held, top = set(self.held), self._top  # a rollback to the savepoint lets go of later locks
            try:
                outcomes += await self.apply(
                    [submission], now=now, actor=actor, actor_name=actor_name, device_id=device_id, allowed=allowed
                )
                await self.tx.execute("RELEASE SAVEPOINT engine_op")
            except DATA_ERRORS as error:
                await self.tx.execute("ROLLBACK TO SAVEPOINT engine_op")
                await self.tx.execute("RELEASE SAVEPOINT engine_op")
                self.held, self._top = held, top
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


async def engine_transaction(db: Database, work: Callable[[EngineTx], Awaitable[T]], *, small: bool = False) -> T:
    """Run `work` in one write transaction; it commits when `work` returns. On PostgreSQL a transaction
    that must restart (see the module docstring) is rolled back and `work` runs again from the start,
    so `work` must do nothing outside its transaction. When it wrote ledger rows, the live floor of
    every server process hears of it once it commits. `small`: see `Database.run_write`."""
    written = 0
    upfront: set[int] = set()

    async def locked(tx: Tx) -> T:
        nonlocal written
        engine = EngineTx(tx)
        await engine.lock(upfront)
        result = await work(engine)
        if engine.ledger_id:
            await notify_in_transaction(tx, engine.ledger_id)  # PostgreSQL delivers it on commit only
        written = engine.ledger_id
        return result

    started = time.perf_counter()
    if db.dialect != "postgres":
        result = await db.run_write(locked, small=small)
    else:
        for attempt in range(_ATTEMPTS):
            try:
                result = await db.run_write(locked)
                break
            except Relock as restart:
                upfront = restart.keys
                metrics.ENGINE_RETRIES.labels("relock").inc()
            except _RACES as race:
                metrics.ENGINE_RETRIES.labels(type(race).__name__).inc()
                if attempt >= 2 and isinstance(race, asyncpg.exceptions.UniqueViolationError):
                    raise  # the same key three times in a row: the data, not a race (a data error)
        else:
            raise EngineBusy(f"engine transaction restarted {_ATTEMPTS} times")
    metrics.ENGINE_TRANSACTION.observe(time.perf_counter() - started)
    if written:
        announce_after_commit(written)
    return result


async def run_ops(db: Database, ops: Sequence[Op], *, actor: int | None, record_rejected: bool = False) -> list[Outcome]:
    """Apply server-origin ops atomically; returns one outcome per op with real ids in its result."""

    async def work(engine: EngineTx) -> list[Outcome]:
        now = dt.datetime.now(dt.UTC)  # taken in the transaction (again on a restart)
        return await engine.apply(ops, now=now, actor=actor, record_rejected=record_rejected)

    return await engine_transaction(db, work)


async def run_one(db: Database, op: Op, *, actor: int | None) -> Outcome:
    """Apply one op for a REST request: a rejection changes nothing and is raised as a 4xx."""
    (outcome,) = await run_ops(db, [op], actor=actor, record_rejected=False)
    if outcome.status == "rejected":
        assert outcome.code is not None and outcome.message is not None  # the engine sets both on a rejection
        raise Rejected(outcome.code, outcome.message, outcome.field, outcome.http_status)
    return outcome
