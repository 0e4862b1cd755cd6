"""The apply engine: a batch of ops over an in-memory State → one outcome per op.

No I/O here. The shell (`server/apply/`) loads the State a batch needs, calls `apply_batch`, and
writes back what the State recorded, with the ledger rows, in one transaction.

Every rule checks before it changes anything, so a rejected op leaves the State untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from .cancel import apply_cancel
from .context import ApplyContext
from .errors import Rejected
from .intake import apply_intake, apply_mark_paid
from .model import LedgerRow, State
from .ops import AdjustStock, CancelOrder, IntakeOrder, MarkPaid, Op, ReleaseWave, encode_args, op_type
from .stock import apply_adjust
from .waves import apply_release_wave

HANDLERS: dict[type, Callable[[State, Op, ApplyContext], dict]] = {
    IntakeOrder: apply_intake,
    CancelOrder: apply_cancel,
    MarkPaid: apply_mark_paid,
    AdjustStock: apply_adjust,
    ReleaseWave: apply_release_wave,
}


@dataclass(slots=True)
class Outcome:
    status: str  # applied | adjusted | rejected
    result: dict = field(default_factory=dict)
    code: str | None = None
    message: str | None = None
    field: str | None = None
    http_status: int = 200
    ledger: LedgerRow | None = None


def apply_batch(
    state: State,
    ops: list[Op],
    *,
    now: dt.datetime,
    actor: int | None,
    record_rejected: bool = True,
) -> list[Outcome]:
    """Apply ops in order. Each gets exactly one outcome; rejected ones change nothing but the ledger."""
    outcomes = []
    for op in ops:
        ledger = LedgerRow(
            state.temp_id(), None, None, actor, op_type(op), type(op).VERSION, encode_args(op),
            None, now, "applied", None, None, "{}",
        )
        ctx = ApplyContext(now=now, actor=actor, ledger_id=ledger.id)
        try:
            result = HANDLERS[type(op)](state, op, ctx)
            outcome = Outcome("applied", result)
        except Rejected as error:
            outcome = Outcome("rejected", {}, error.code, error.message, error.field, error.status)
            ledger.status, ledger.code, ledger.message = "rejected", error.code, error.message
        if outcome.status != "rejected" or record_rejected:
            state.add(ledger)
            outcome.ledger = ledger
        outcomes.append(outcome)
    return outcomes
