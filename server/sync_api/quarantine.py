"""A revoked phone's unsent ops, handed over to a supervisor: list them, apply or discard them.

A revoked device's pushes are refused, and what they carried is kept in `quarantined_op` (see
`service.push`). A supervisor then decides op by op. Applying runs the op through the one engine
transaction as a server-origin op (no device, no seq) and marks the quarantined row applied in the
same commit, so an op is applied at most once however often the button is pressed. The ledger row
names the phone's user as its actor — the person who did the physical thing, whose rights it is
checked against, and whom pick rates and task ownership are about (the supervisor as actor would
turn every handed-over pick into a "task reassigned" conflict) — and keeps the phone's clock as its
`device_at`; the quarantined row names the supervisor who applied it, when, and links the ledger
row. Discarding records who discarded the op and why. Either way the row keeps the phone's facts
(device, seq, the op as sent) next to what became of it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import msgspec

from server.apply.runner import EngineTx, engine_transaction
from server.db import Database, in_list
from server.errors import DomainError
from server.sync_api.schemas import HandOverResult, OpEnvelope, QuarantinedOpOut
from server.sync_api.service import submission_of
from sync.engine import Submission
from sync.registry import allowed_ops

_decode = msgspec.json.Decoder(OpEnvelope).decode
_SQL = (
    "SELECT q.id, q.seq, q.body, q.received_at, q.status, u.username AS handled_by, q.handled_at, q.reason, q.ledger_id, q.outcome "
    "FROM quarantined_op q LEFT JOIN app_user u ON u.id = q.handled_by"
)


def _out(row) -> QuarantinedOpOut:
    envelope = _decode(row["body"])
    at = envelope.at if isinstance(envelope.at, str) else None
    return QuarantinedOpOut(
        seq=row["seq"],
        type=envelope.type,
        version=envelope.version,
        args=json.loads(bytes(envelope.args)),
        at=at,
        received_at=row["received_at"],
        status=row["status"],
        handled_by=row["handled_by"],
        handled_at=row["handled_at"],
        reason=row["reason"],
        ledger_id=row["ledger_id"],
        outcome=json.loads(row["outcome"]) if row["outcome"] else None,
    )


async def list_quarantined(db: Database, device_id: str) -> list[QuarantinedOpOut]:
    async with db.read() as tx:
        if await tx.fetchval("SELECT id FROM device WHERE device_id = ?", device_id) is None:
            raise DomainError("unknown_device", f"no device {device_id!r}", field="device_id", status=404)
        rows = await tx.fetch(_SQL + " WHERE q.device_id = ? ORDER BY q.seq", device_id)
    return [_out(r) for r in rows]


async def _rows(engine: EngineTx, device_id: str, seqs: Sequence[int]) -> tuple[Any, dict[int, Any]]:
    """The device (with its owner's role and grants) and its quarantined rows for `seqs`; 404 naming
    the first seq it does not hold."""
    tx = engine.tx
    device = await tx.fetchrow(
        "SELECT d.last_seq, d.owner, u.username, u.role, u.grants FROM device d JOIN app_user u ON u.id = d.owner "
        "WHERE d.device_id = ?",
        device_id,
    )
    if device is None:
        raise DomainError("unknown_device", f"no device {device_id!r}", field="device_id", status=404)
    rows = await tx.fetch(
        f"SELECT id, seq, body, status FROM quarantined_op WHERE device_id = ? AND seq IN {in_list(seqs)}", device_id, *seqs
    )
    by_seq = {r["seq"]: r for r in rows}
    for i, seq in enumerate(seqs):
        if seq not in by_seq:
            raise DomainError(
                "not_quarantined", f"device {device_id} left no op {seq} for a supervisor", field=f"seqs[{i}]", status=404
            )
    return device, by_seq


def _already(seq: int, status: str) -> HandOverResult:
    return HandOverResult(seq, "already_handled", "already_handled", f"op {seq} was already {status}")


async def apply_quarantined(db: Database, device_id: str, seqs: list[int], actor: int) -> list[HandOverResult]:
    """Apply the chosen ops in seq order, each at most once, on behalf of the phone's user; `actor` (the
    supervisor) is recorded as the one who applied them. One result per seq."""
    wanted = sorted(set(seqs))

    async def work(engine: EngineTx) -> list[HandOverResult]:
        await engine.lock_name(device_id)  # a double click waits, then finds the op handled
        device, by_seq = await _rows(engine, device_id, seqs)
        tx, now = engine.tx, dt.datetime.now(dt.UTC)
        results: dict[int, HandOverResult] = {}
        todo: list[tuple[Any, Submission]] = []
        for seq in wanted:
            row = by_seq[seq]
            if row["status"] != "pending":
                results[seq] = _already(seq, row["status"])
            elif seq <= device["last_seq"]:
                # A replay the phone re-sent after it was revoked: the engine applied it from the phone already.
                ledger = await tx.fetchrow("SELECT id, status FROM ledger WHERE device_id = ? AND seq = ?", device_id, seq)
                await _mark(engine, row["id"], "applied", actor, now, ledger_id=ledger["id"] if ledger else None)
                results[seq] = HandOverResult(
                    seq, "already_handled", "applied_from_device", f"op {seq} was applied from the phone itself"
                )
            else:
                envelope = _decode(row["body"])
                submission = submission_of(envelope)
                # A server-origin op (no device, no seq), keeping the phone's clock as its device time.
                todo.append((row, Submission(submission.op, None, submission.device_at)))
        if todo:
            grants = frozenset(g for g in (device["grants"] or "").split(",") if g)
            outcomes = await engine.apply_each(
                [s for _, s in todo],
                now=now,
                actor=device["owner"],
                actor_name=device["username"],
                allowed=allowed_ops(device["role"], grants),
            )
            for (row, _), outcome in zip(todo, outcomes, strict=True):
                told = {"status": outcome.status, "code": outcome.code, "message": outcome.message, "result": outcome.result}
                ledger_id = outcome.ledger.id if outcome.ledger is not None else None
                await _mark(engine, row["id"], "applied", actor, now, ledger_id=ledger_id, outcome=json.dumps(told, default=str))
                results[row["seq"]] = HandOverResult(
                    row["seq"], outcome.status, outcome.code, outcome.message, ledger_id, outcome.result
                )
        return [results[seq] for seq in wanted]

    return await engine_transaction(db, work)


async def discard_quarantined(db: Database, device_id: str, seqs: list[int], reason: str, actor: int) -> list[HandOverResult]:
    """Discard the chosen ops, recording who and why; an op already applied or discarded stays as it is."""
    wanted = sorted(set(seqs))

    async def work(engine: EngineTx) -> list[HandOverResult]:
        # In the engine transaction too, under the device's lock: an apply and a discard of the same op
        # never both go through.
        await engine.lock_name(device_id)
        _, by_seq = await _rows(engine, device_id, seqs)
        now = dt.datetime.now(dt.UTC)
        results = []
        for seq in wanted:
            row = by_seq[seq]
            if row["status"] != "pending":
                results.append(_already(seq, row["status"]))
                continue
            await _mark(engine, row["id"], "discarded", actor, now, reason=reason)
            results.append(HandOverResult(seq, "discarded", None, reason))
        return results

    return await engine_transaction(db, work)


async def _mark(
    engine: EngineTx,
    row_id: int,
    status: str,
    actor: int,
    now: dt.datetime,
    *,
    ledger_id: int | None = None,
    outcome: str = "",
    reason: str = "",
) -> None:
    await engine.tx.execute(
        "UPDATE quarantined_op SET status = ?, handled_by = ?, handled_at = ?, ledger_id = ?, outcome = ?, reason = ? "
        "WHERE id = ? AND status = 'pending'",
        status,
        actor,
        now,
        ledger_id,
        outcome,
        reason,
        row_id,
    )
