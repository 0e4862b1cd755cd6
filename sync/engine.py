"""The apply engine: a batch of ops over an in-memory State → one outcome per op.

No I/O here. The shell (`server/apply/`) loads the State a batch needs, calls `apply_batch`, and
writes back what the State recorded, with the ledger rows, in one transaction.

Every rule checks before it changes anything, so a rejected op leaves the State untouched
(apart from its ledger row and the exception a supervisor will see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from . import (  # noqa: F401  (they register their ops)
    amend,
    cancel,
    delivery,
    holds,
    intake,
    packing,
    picking,
    purchasing,
    receiving,
    returns,
    routes,
    stock,
    supervision,
    waves,
)
from . import ops as o
from .context import ApplyContext, Policy
from .errors import Rejected
from .model import LedgerRow, State, StockMovement, SyncException
from .reads import Reads
from .registry import check_complete, device_specs, spec_for

check_complete(o.Op.__args__)
# What a device may push, by type; server-origin ops come only from REST routes.
DEVICE_OP_TYPES: dict[str, type[o.Op]] = {name: spec.args for name, spec in device_specs().items()}


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
    status: Literal["applied", "adjusted", "rejected"]
    result: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    message: str | None = None
    field: str | None = None
    http_status: int = 200
    ledger: LedgerRow | None = None
    seq: int | None = None


def reads_for(submissions: Sequence[Submission | o.Op]) -> Reads:
    """What the loader must read for these ops (or submissions), from each op's registration."""
    reads = Reads()
    for submission in submissions:
        op = submission.op if isinstance(submission, Submission) else submission
        spec = spec_for(op)
        if spec is not None:  # a BadOp reads nothing
            spec.reads(op, reads)
    return reads


def _exception(state: State, ctx: ApplyContext, kind: str, code: str, message: str, **refs: Any) -> None:
    state.add(
        SyncException(
            id=state.temp_id(),
            kind=kind,
            code=code,
            message=message,
            status="open",
            device_id=ctx.device_id,
            seq=ctx.seq,
            ledger_id=ctx.ledger_id,
            sales_order=refs.get("sales_order"),
            order_line=refs.get("order_line"),
            location=refs.get("location"),
            product=refs.get("product"),
            qty=refs.get("qty", 0),
            people=", ".join(dict.fromkeys(ctx.people)),
            created_at=ctx.now,
        )
    )


def _record_movements(state: State, book: dict[int, int], ledger: LedgerRow, actor: int | None, now: dt.datetime) -> None:
    """One StockMovement per stock row whose on_hand the op changed (the bin's audit trail), so every
    op that moves units is covered without its rule saying so. A rejected op changed nothing."""
    for row in state.stock_touched:  # a row touched twice moves once: the second time its delta is 0
        delta = row.on_hand - book.get(row.id, 0)
        if delta:
            book[row.id] = row.on_hand
            state.add(
                StockMovement(
                    state.temp_id(),
                    ledger.id,
                    row.location,
                    row.product,
                    row.lot,
                    delta,
                    row.on_hand,
                    ledger.op_type,
                    actor,
                    now,
                )
            )
    state.stock_touched.clear()


def _forbidden(op_type: str, actor_name: str) -> Rejected:
    return Rejected(
        "forbidden_op",
        f"{actor_name or 'this user'} may not send {op_type} ops; a supervisor or admin can "
        "do it, or an admin can grant it to this user",
        status=403,
    )


def apply_batch(
    state: State,
    submissions: list[Submission | o.Op],
    *,
    now: dt.datetime,
    actor: int | None,
    actor_name: str = "",
    device_id: str | None = None,
    record_rejected: bool = True,
    allowed: frozenset[str] | None = None,
    policy: Policy | None = None,
) -> list[Outcome]:
    """Apply ops in order. Each gets exactly one outcome; a rejected op changes nothing but the ledger.

    `allowed` is the op types the sender may send (`sync.registry.allowed_ops`); any other op is
    rejected as `forbidden_op`. None means a trusted caller (a REST route whose guard already checked
    the role against the same registry, the demo seeder, a ledger replay)."""
    outcomes = []
    policy = policy or Policy()
    # What each stock row's book held before the current op: its movement is the difference.
    book = {row.id: row.on_hand for row in state.stock.values()}
    state.stock_touched.clear()
    for submission in submissions:
        if not isinstance(submission, Submission):
            submission = Submission(submission)
        op = submission.op
        if isinstance(op, BadOp):
            op_type, version, args = op.type, op.version, op.args
        else:
            op_type, version, args = o.op_type(op), type(op).VERSION, o.encode_args(op)
        ledger = LedgerRow(
            id=state.temp_id(),
            device_id=device_id,
            seq=submission.seq,
            actor=actor,
            op_type=op_type,
            op_version=version,
            args=args,
            device_at=submission.device_at,
            committed_at=now,
            status="applied",
            code=None,
            message=None,
            result="{}",
        )
        ctx = ApplyContext(
            now=now,
            actor=actor,
            ledger_id=ledger.id,
            actor_name=actor_name,
            device_id=device_id,
            seq=submission.seq,
            device_at=submission.device_at,
            policy=policy,
        )
        try:
            if isinstance(op, BadOp):
                raise Rejected(op.code, op.message, status=422)
            spec = spec_for(op)
            if allowed is not None and op_type not in allowed:
                if spec is not None and spec.assigned and getattr(op, "task_id", None) is not None:
                    ctx.assigned_only = True  # the rule lets it through only for the task's assignee
                else:
                    raise _forbidden(op_type, actor_name)
            if spec is None:  # cannot happen for a decoded op (check_complete); never a 503 if it does
                raise Rejected("unknown_op_type", f"this server has no rule for op type {op_type!r}", status=422)
            result = spec.apply(state, op, ctx)
            if ctx.adjustments:
                code, message = ctx.outcome_code()
                outcome = Outcome("adjusted", result, code, message)
            else:
                outcome = Outcome("applied", result)
        except Rejected as error:
            outcome = Outcome("rejected", dict(ctx.refs.get("result", {})), error.code, error.message, error.field, error.status)
        outcome.seq = submission.seq
        if state.stock_touched:  # a rejected op changed no stock (its rule checked first), so it moves nothing
            _record_movements(state, book, ledger, actor, now)
        ledger.status, ledger.code, ledger.message = outcome.status, outcome.code, outcome.message
        if outcome.status != "rejected" or record_rejected:
            state.add(ledger)
            outcome.ledger = ledger
            if outcome.status != "applied":
                assert outcome.code is not None and outcome.message is not None  # set for every adjusted or rejected outcome
                refs = {k: v for k, v in ctx.refs.items() if k != "result"}
                _exception(
                    state,
                    ctx,
                    "conflict" if outcome.status == "adjusted" else "rejected_op",
                    outcome.code,
                    outcome.message,
                    **refs,
                )
            for flag in ctx.flags:
                _exception(
                    state,
                    ctx,
                    flag.kind,
                    flag.code,
                    flag.message,
                    sales_order=flag.sales_order,
                    order_line=flag.order_line,
                    location=flag.location,
                    product=flag.product,
                    qty=flag.qty,
                )
        outcomes.append(outcome)
    return outcomes
