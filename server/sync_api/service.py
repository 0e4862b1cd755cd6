"""Push: apply a device's queued ops exactly once, in order, atomically."""

from __future__ import annotations

import datetime as dt
import json
import logging

import msgspec

from server.apply.runner import EngineTx, engine_transaction
from server.db import Database, in_list
from server.sync_api.refusal import SyncRefused
from server.sync_api.schemas import MAX_OPS, OpEnvelope, OpResult, PushIn, PushOut
from sync.engine import DEVICE_OP_TYPES, BadOp, Submission

log = logging.getLogger("shipshape.sync")
_INT32 = 2**31 - 1
_decode_push = msgspec.json.Decoder(PushIn).decode


def decode_push(body: bytes) -> PushIn:
    return _decode_push(body)


def _device_time(at: dt.datetime | None) -> dt.datetime | None:
    """The device's clock as given, in UTC; a time without an offset is taken as UTC."""
    if at is None:
        return None
    try:
        return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    except OverflowError:  # a clock at the very edge of the calendar tells us nothing
        return None


def _submission(envelope: OpEnvelope, check_nul: bool = False) -> Submission:
    """The op the envelope carries, or a BadOp that will be rejected once (never retried forever)."""
    envelope.at = _device_time(envelope.at)
    cls = DEVICE_OP_TYPES.get(envelope.type)
    args_json = json.dumps(envelope.args, separators=(",", ":"), default=str) if check_nul else ""
    if check_nul and "\\u0000" in args_json:
        code, message = "malformed_args", "args may not contain NUL characters"
    elif cls is not None and envelope.version == cls.VERSION:
        try:
            return Submission(msgspec.convert(envelope.args, cls, strict=True), envelope.seq, envelope.at)
        except msgspec.ValidationError as error:
            code, message = "malformed_args", str(error)
    elif cls is None:
        code, message = "unknown_op_type", f"this server does not know op type {envelope.type!r}"
    else:
        code, message = "unsupported_version", (
            f"{envelope.type} version {envelope.version} is not supported (this server applies version {cls.VERSION})"
        )
    args_json = json.dumps(envelope.args, separators=(",", ":"), default=str).replace("\\u0000", "\\ufffd")
    op_type = envelope.type.replace("\x00", "\ufffd")
    return Submission(BadOp(op_type, envelope.version, args_json, code, message), envelope.seq, envelope.at)


async def push(
    db: Database, user_id: int, username: str, batch: PushIn, check_nul: bool = False, allowed: frozenset[str] | None = None
) -> PushOut:
    """Apply a device's batch. `allowed`: the op types its user may send; any other is rejected as `forbidden_op`."""
    ops = batch.ops
    if len(ops) > MAX_OPS:
        raise SyncRefused(413, "too_many_ops", f"at most {MAX_OPS} ops per push; split the batch", max_ops=MAX_OPS)
    for i, envelope in enumerate(ops[1:], start=1):
        if envelope.seq != ops[0].seq + i:
            raise SyncRefused(400, "seq_not_consecutive", f"ops[{i}].seq is {envelope.seq}; a batch must be consecutive seqs", field=f"ops[{i}].seq")
    now = dt.datetime.now(dt.UTC)

    outcome = await engine_transaction(db, lambda engine: _push_locked(engine, user_id, username, batch, now, check_nul, allowed))
    if isinstance(outcome, SyncRefused):
        raise outcome  # raised after the commit: a revoked device's ops stay in quarantine
    return outcome


async def _push_locked(
    engine: EngineTx, user_id: int, username: str, batch: PushIn, now: dt.datetime, check_nul: bool, allowed: frozenset[str] | None
) -> PushOut | SyncRefused:
    ops, tx = batch.ops, engine.tx
    device = await tx.fetchrow("SELECT owner, last_seq, revoked_at FROM device WHERE device_id = ?", batch.device_id)
    if device is None:
        raise SyncRefused(403, "unknown_device", f"device {batch.device_id} is not registered; register it at POST /api/devices")
    if device["owner"] != user_id:
        raise SyncRefused(403, "not_your_device", "a device pushes only its own ops: this device belongs to another user")
    if device["revoked_at"] is not None:
        # Keep what it sent for a supervisor; nothing is applied, nothing is lost.
        await tx.executemany(
            "INSERT INTO quarantined_op (device_id, seq, body, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (device_id, seq) DO NOTHING",
            [(batch.device_id, e.seq, msgspec.json.encode(e).decode(), now) for e in ops],
        )
        return SyncRefused(403, "device_revoked", "this device was revoked; its queued ops were kept for a supervisor")
    last = device["last_seq"]
    replays = [e for e in ops if e.seq <= last]
    fresh = [e for e in ops if e.seq > last]
    if fresh and fresh[0].seq != last + 1:
        raise SyncRefused(409, "seq_gap", f"expected seq {last + 1}, got {fresh[0].seq}", expected_seq=last + 1)

    results: list[OpResult] = []
    if replays:
        seqs = [e.seq for e in replays]
        stored = await tx.fetch(
            f"SELECT seq, status, code, message, result FROM ledger WHERE device_id = ? AND seq IN {in_list(seqs)}",
            batch.device_id, *seqs,
        )
        by_seq = {r["seq"]: r for r in stored}
        for seq in seqs:
            r = by_seq[seq]
            results.append(OpResult(seq, r["status"], r["code"], r["message"], True, json.loads(r["result"])))
    if fresh:
        submissions = [_submission(e, check_nul) for e in fresh]
        outcomes = await engine.apply(
            submissions, now=now, actor=user_id, actor_name=username, device_id=batch.device_id, allowed=allowed
        )
        offset = None
        stamped = [e.at for e in fresh if e.at is not None]
        if stamped:
            # Kept for audit and KPIs only; a clock years off must not overflow anything.
            offset = int((now - max(stamped)).total_seconds() * 1000)
            offset = max(-_INT32, min(_INT32, offset))
        await tx.execute(
            "UPDATE device SET last_seq = ?, last_push_at = ?, clock_offset_ms = COALESCE(?, clock_offset_ms) WHERE device_id = ?",
            fresh[-1].seq, now, offset, batch.device_id,
        )
        for o in outcomes:
            assert o.seq is not None  # every pushed op carries its device seq
            results.append(OpResult(o.seq, o.status, o.code, o.message, False, o.result))
        last = fresh[-1].seq
    return PushOut(acked_through=last, results=results, server_time=now)
