"""The apply engine: a batch of ops over an in-memory State → one outcome per op.

No I/O here. The shell (`server/apply/`) loads the State a batch needs, calls `apply_batch`, and
writes back what the State recorded, with the ledger rows, in one transaction.

Every rule checks before it changes anything, so a rejected op leaves the State untouched
(apart from its ledger row and the exception a supervisor will see).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from . import ops as o
from .cancel import apply_cancel
from .context import ApplyContext
from .delivery import apply_deliver, apply_deliver_failed, apply_ship
from .errors import Rejected
from .intake import apply_intake, apply_mark_paid
from .model import LedgerRow, State, SyncException
from .packing import apply_pack
from .picking import apply_pick, apply_pick_short, apply_reassign
from .returns import apply_return_receive
from .stock import apply_adjust, apply_count, apply_move, apply_receive
from .supervision import apply_resolve_exception
from .waves import apply_release_wave

HANDLERS: dict[type, Callable[[State, o.Op, ApplyContext], dict]] = {
    o.IntakeOrder: apply_intake,
    o.CancelOrder: apply_cancel,
    o.MarkPaid: apply_mark_paid,
    o.AdjustStock: apply_adjust,
    o.ReleaseWave: apply_release_wave,
    o.ReassignTask: apply_reassign,
    o.ResolveException: apply_resolve_exception,
    o.Pick: apply_pick,
    o.PickShort: apply_pick_short,
    o.Pack: apply_pack,
    o.Ship: apply_ship,
    o.Deliver: apply_deliver,
    o.DeliverFailed: apply_deliver_failed,
    o.Receive: apply_receive,
    o.Count: apply_count,
    o.Move: apply_move,
    o.ReturnReceive: apply_return_receive,
}


@dataclass(slots=True)
class BadOp:
    """An op the device sent that cannot be applied at all: unknown type or version, malformed args."""

    type: str
    version: int
    args: str  # the raw args as received, kept in the ledger
    code: str
    message: str


@dataclass(slots=True)
class Submission:
    """One op with its envelope: the device's seq and clock (None for server-origin ops)."""

    op: o.Op | BadOp
    seq: int | None = None
    device_at: dt.datetime | None = None


@dataclass(slots=True)
class Outcome:
    status: str  # applied | adjusted | rejected
    result: dict = field(default_factory=dict)
    code: str | None = None
    message: str | None = None
    field: str | None = None
    http_status: int = 200
    ledger: LedgerRow | None = None
    seq: int | None = None


def _exception(state: State, ctx: ApplyContext, kind: str, code: str, message: str, **refs) -> None:
    state.add(SyncException(
        state.temp_id(), kind, code, message, "open", ctx.device_id, ctx.seq, ctx.ledger_id,
        refs.get("sales_order"), refs.get("order_line"), refs.get("location"), refs.get("product"),
        refs.get("qty", 0), ", ".join(dict.fromkeys(ctx.people)), ctx.now,
    ))


def apply_batch(
    state: State,
    submissions: list[Submission | o.Op],
    *,
    now: dt.datetime,
    actor: int | None,
    actor_name: str = "",
    device_id: str | None = None,
    record_rejected: bool = True,
) -> list[Outcome]:
    """Apply ops in order. Each gets exactly one outcome; a rejected op changes nothing but the ledger."""
    outcomes = []
    for submission in submissions:
        if not isinstance(submission, Submission):
            submission = Submission(submission)
        op = submission.op
        if isinstance(op, BadOp):
            op_type, version, args = op.type, op.version, op.args
        else:
            op_type, version, args = o.op_type(op), type(op).VERSION, o.encode_args(op)
        ledger = LedgerRow(
            state.temp_id(), device_id, submission.seq, actor, op_type, version, args,
            submission.device_at, now, "applied", None, None, "{}",
        )
        ctx = ApplyContext(
            now=now, actor=actor, ledger_id=ledger.id, actor_name=actor_name, device_id=device_id,
            seq=submission.seq, device_at=submission.device_at,
        )
        try:
            if isinstance(op, BadOp):
                raise Rejected(op.code, op.message, status=422)
            result = HANDLERS[type(op)](state, op, ctx)
            if ctx.adjustments:
                code, message = ctx.outcome_code()
                outcome = Outcome("adjusted", result, code, message)
            else:
                outcome = Outcome("applied", result)
        except Rejected as error:
            outcome = Outcome("rejected", dict(ctx.refs.get("result", {})), error.code, error.message, error.field, error.status)
        outcome.seq = submission.seq
        ledger.status, ledger.code, ledger.message = outcome.status, outcome.code, outcome.message
        if outcome.status != "rejected" or record_rejected:
            state.add(ledger)
            outcome.ledger = ledger
            refs = {k: v for k, v in ctx.refs.items() if k != "result"}
            if outcome.status != "applied":
                _exception(state, ctx, "conflict" if outcome.status == "adjusted" else "rejected_op", outcome.code, outcome.message, **refs)
            for flag in ctx.flags:
                _exception(
                    state, ctx, flag.kind, flag.code, flag.message, sales_order=flag.sales_order,
                    order_line=flag.order_line, location=flag.location, product=flag.product, qty=flag.qty,
                )
        outcomes.append(outcome)
    return outcomes
