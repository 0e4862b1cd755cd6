"""Push: apply a device's queued ops exactly once, in order, atomically."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from re import DOTALL
from re import compile as re_compile

import msgspec

from server.apply.runner import EngineTx, engine_transaction
from server.db import DATA_ERRORS, Database, in_list
from server.live.backlog import report_due, write_report
from server.ops.push_report import PushReport
from server.sync_api.refusal import SyncRefused
from server.sync_api.schemas import MAX_OPS, OpEnvelope, OpResult, PushIn, PushOut
from sync.engine import DEVICE_OP_TYPES, BadOp, Submission

log = logging.getLogger("shipshape.sync")
_INT32 = 2**31 - 1
_decode_push = msgspec.json.Decoder(PushIn).decode
# Ops a revoked device may still leave for a supervisor; beyond it its pushes are refused unstored.
MAX_QUARANTINED = 1_000
# A push of at most this many ops (a phone online, a scan at a time) is a millisecond or two of work:
# on SQLite it runs on the event loop's thread instead of hopping to the database thread and back.
SMALL_PUSH = 4
# Deeper than this, a value inside an op cannot be a legitimate argument of any op.
MAX_DEPTH = 32
_SIGNIFICANT = re_compile(rb'["\[\]{}]')
_LONE_SURROGATE = re_compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"  # a high surrogate without its low half
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a low surrogate without its high half
)
_STRING_REST = re_compile(rb'(?:[^"\\]|\\.)*"', DOTALL)


def decode_push(body: bytes) -> tuple[PushIn, frozenset[int]]:
    """The push body, and the indexes of ops whose args had to be defused (nested beyond MAX_DEPTH)."""
    try:
        return _decode_push(body), frozenset()
    except (RecursionError, msgspec.DecodeError):
        defused, deep = _defuse(body)
        if not deep:
            raise
        return _decode_push(defused), deep


def _defuse(body: bytes) -> tuple[bytes, frozenset[int]]:
    """Replace every container that opens at depth MAX_DEPTH with `null` and every lone UTF-16 surrogate
    escape (which no decoder can turn into text) with U+FFFD, without recursion, and say which ops
    (containers opening at depth 3: body → ops → op) held one. Only for bodies the decoder refused."""
    out = bytearray()
    deep: set[int] = set()
    depth, op_index, i, copied = 0, -1, 0, 0
    while True:
        match = _SIGNIFICANT.search(body, i)
        if match is None:
            break
        i = match.end()
        char = body[match.start()]
        if char == ord('"'):
            end = _string_end(body, i)
            text = body[i:end]
            fixed = _LONE_SURROGATE.sub(rb"\\ufffd", text)
            if fixed != text and depth >= 3:
                deep.add(op_index)
                out += body[copied:i] + fixed
                copied = end
            i = end
            continue
        if char in b"[{":
            depth += 1
            if depth == 3:
                op_index += 1
            if depth == MAX_DEPTH:
                deep.add(op_index)
                out += body[copied : match.start()] + b"null"
                i = _skip_container(body, i)
                copied = i
                depth -= 1
        else:
            depth -= 1
    out += body[copied:]
    return bytes(out), frozenset(deep)


def _string_end(body: bytes, i: int) -> int:
    """The offset just past the closing quote of the string whose opening quote ends at `i`."""
    rest = _STRING_REST.match(body, i)
    if rest is None:
        raise msgspec.DecodeError("unterminated string")
    return rest.end()


def _skip_container(body: bytes, i: int) -> int:
    """The offset just past the container whose opening bracket ends at `i`."""
    depth = 1
    while depth:
        match = _SIGNIFICANT.search(body, i)
        if match is None:
            raise msgspec.DecodeError("unterminated container")
        i = match.end()
        char = body[match.start()]
        if char == ord('"'):
            i = _string_end(body, i)
        elif char in b"[{":
            depth += 1
        else:
            depth -= 1
    return i


def _device_time(at: object) -> dt.datetime | None:
    """The device's clock as given, in UTC (a time without an offset is taken as UTC); None when it is
    not a time at all — device clocks are kept for audit and never decide anything."""
    if not isinstance(at, str):
        return None
    try:
        value = msgspec.convert(at, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    except (msgspec.ValidationError, OverflowError, ValueError):  # a clock at the edge of the calendar, or garbage
        return None


@functools.cache
def _args_decoder(cls: type) -> msgspec.json.Decoder:
    """One decoder per op type (the same checks as msgspec.json.decode(type=cls, strict=True), set up once)."""
    return msgspec.json.Decoder(cls, strict=True)


def submission_of(envelope: OpEnvelope, defused: bool = False) -> Submission:
    """The op the envelope carries, or a BadOp that will be rejected once (never retried forever)."""
    envelope.at = _device_time(envelope.at)
    cls = DEVICE_OP_TYPES.get(envelope.type)
    raw = bytes(envelope.args)
    if defused:
        code, message = "malformed_args", f"args are nested deeper than {MAX_DEPTH} levels, or hold text that is not Unicode"
    elif b"\\u0000" in raw:  # PostgreSQL cannot store a NUL; no op has a use for one
        code, message = "malformed_args", "args may not contain NUL characters"
    elif cls is not None and envelope.version == cls.VERSION:
        try:
            return Submission(_args_decoder(cls).decode(raw), envelope.seq, envelope.at)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            code, message = "malformed_args", str(error)
        except RecursionError:  # cannot happen after decode_push; defence in depth
            code, message = "malformed_args", f"args are nested deeper than {MAX_DEPTH} levels"
    elif cls is None:
        code, message = "unknown_op_type", f"this server does not know op type {envelope.type!r}"
    else:
        code, message = (
            "unsupported_version",
            (f"{envelope.type} version {envelope.version} is not supported (this server applies version {cls.VERSION})"),
        )
    args_json = raw.decode("utf-8", "replace").replace("\\u0000", "\\ufffd")
    # What the ledger keeps of a type or version no op has: short enough for its columns, no NUL.
    op_type = envelope.type[:32].replace("\x00", "\ufffd")
    version = max(-_INT32, min(_INT32, envelope.version))
    return Submission(BadOp(op_type, version, args_json, code, message), envelope.seq, envelope.at)


async def push(
    db: Database,
    user_id: int,
    username: str,
    batch: PushIn,
    defused: frozenset[int] = frozenset(),
    allowed: frozenset[str] | None = None,
    token_hash: str | None = None,
) -> PushOut:
    """Apply a device's batch. `allowed`: the op types its user may send; any other is rejected as `forbidden_op`."""
    ops = batch.ops
    if len(ops) > MAX_OPS:
        raise SyncRefused(413, "too_many_ops", f"at most {MAX_OPS} ops per push; split the batch", max_ops=MAX_OPS)
    for i, envelope in enumerate(ops[1:], start=1):
        if envelope.seq != ops[0].seq + i:
            raise SyncRefused(
                400,
                "seq_not_consecutive",
                f"ops[{i}].seq is {envelope.seq}; a batch must be consecutive seqs",
                field=f"ops[{i}].seq",
            )
    now = dt.datetime.now(dt.UTC)
    report = PushReport(batch.device_id)

    try:
        outcome = await engine_transaction(
            db,
            lambda engine: _push_locked(engine, user_id, username, batch, now, defused, allowed, token_hash, report),
            small=len(ops) <= SMALL_PUSH,
        )
    except DATA_ERRORS:
        # Some op's data broke a database limit: the batch rolled back. Retry it op by op, so that op
        # alone is rejected and the queue moves on (a 503 would fail the same way forever).
        log.warning("push of %s hit a data error; retrying op by op", batch.device_id, exc_info=True)
        outcome = await engine_transaction(
            db,
            lambda engine: _push_locked(
                engine, user_id, username, batch, now, defused, allowed, token_hash, report, one_by_one=True
            ),
        )
    if isinstance(outcome, SyncRefused):
        raise outcome  # raised after the commit: a revoked device's ops stay in quarantine
    report.emit()  # committed: each rejected op logged once, the op counters moved once
    return outcome


async def _push_locked(
    engine: EngineTx,
    user_id: int,
    username: str,
    batch: PushIn,
    now: dt.datetime,
    defused: frozenset[int],
    allowed: frozenset[str] | None,
    token_hash: str | None,
    report: PushReport | None = None,
    one_by_one: bool = False,
) -> PushOut | SyncRefused:
    ops, tx = batch.ops, engine.tx
    await engine.lock_name(batch.device_id)
    device = await tx.fetchrow(
        "SELECT owner, last_seq, revoked_at, pending_reported, last_seen_at FROM device WHERE device_id = ?", batch.device_id
    )
    if device is None:
        raise SyncRefused(403, "unknown_device", f"device {batch.device_id} is not registered; register it at POST /api/devices")
    if device["owner"] != user_id:
        raise SyncRefused(403, "not_your_device", "a device pushes only its own ops: this device belongs to another user")
    if token_hash is not None:
        # The session is this device's from now on: revoking the device ends it (and a new sign-in on a
        # phone already revoked ends with this push). The route passes the token only when it is bound to
        # no device or to another one, so the usual push writes nothing here.
        await tx.execute("UPDATE auth_token SET device_id = ? WHERE token_hash = ?", batch.device_id, token_hash)
    if device["revoked_at"] is not None:
        # Keep what it sent for a supervisor (up to MAX_QUARANTINED per device: a revoked phone cannot
        # fill the database).
        held = await tx.fetchval("SELECT COUNT(*) FROM quarantined_op WHERE device_id = ?", batch.device_id)
        room = max(0, MAX_QUARANTINED - held)
        await tx.executemany(
            "INSERT INTO quarantined_op (device_id, seq, body, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (device_id, seq) DO NOTHING",
            [(batch.device_id, e.seq, msgspec.json.encode(e).decode(), now) for e in ops[:room]],
        )
        return SyncRefused(403, "device_revoked", "this device was revoked; its queued ops were kept for a supervisor")
    last = device["last_seq"]
    replays = [e for e in ops if e.seq <= last]
    numbered = [(i, e) for i, e in enumerate(ops) if e.seq > last]
    fresh = [e for _, e in numbered]
    if fresh and fresh[0].seq != last + 1:
        raise SyncRefused(409, "seq_gap", f"expected seq {last + 1}, got {fresh[0].seq}", expected_seq=last + 1)

    if not fresh and report_due(device, batch.pending, now):
        await write_report(tx, batch.device_id, batch.pending, now)
    results: list[OpResult] = []
    if replays:
        seqs = [e.seq for e in replays]
        stored = await tx.fetch(
            f"SELECT seq, status, code, message, result FROM ledger WHERE device_id = ? AND seq IN {in_list(seqs)}",
            batch.device_id,
            *seqs,
        )
        by_seq = {r["seq"]: r for r in stored}
        for seq in seqs:
            r = by_seq[seq]
            results.append(OpResult(seq, r["status"], r["code"], r["message"], True, json.loads(r["result"])))
    if fresh:
        submissions = [submission_of(e, i in defused) for i, e in numbered]
        apply = engine.apply_each if one_by_one else engine.apply
        outcomes = await apply(
            submissions, now=now, actor=user_id, actor_name=username, device_id=batch.device_id, allowed=allowed
        )
        offset = None
        stamped = [e.at for e in fresh if e.at is not None]
        if stamped:
            # Kept for audit and KPIs only; a clock years off must not overflow anything.
            offset = int((now - max(stamped)).total_seconds() * 1000)
            offset = max(-_INT32, min(_INT32, offset))
        # The device's reported backlog rides on the UPDATE every push with new ops makes anyway.
        await tx.execute(
            "UPDATE device SET last_seq = ?, last_push_at = ?, clock_offset_ms = COALESCE(?, clock_offset_ms), "
            "last_seen_at = ?, pending_reported = COALESCE(?, pending_reported), pending_at = COALESCE(?, pending_at) "
            "WHERE device_id = ?",
            fresh[-1].seq,
            now,
            offset,
            now,
            batch.pending,
            None if batch.pending is None else now,
            batch.device_id,
        )
        for o in outcomes:
            assert o.seq is not None  # every pushed op carries its device seq
            results.append(OpResult(o.seq, o.status, o.code, o.message, False, o.result))
        last = fresh[-1].seq
    if report is not None:
        report.record(fresh, outcomes if fresh else [], [(e.seq, e.type, "") for e in replays])
    return PushOut(acked_through=last, results=results, server_time=now)
