"""What an op is applied with besides the state: commit time, who and from which device, its ledger
row — and what the rules report back besides their result (adjustments, flags for supervisors)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# When several adjustments apply to one op, the outcome's code is the first of these that occurred.
ADJUSTMENT_PRECEDENCE = (
    "order_cancelled",
    "line_cancelled",
    "order_not_released",
    "stock_discrepancy",
    "over_pick",
    "task_reassigned",
)


@dataclass(slots=True)
class Flag:
    """An exception for the supervisor's queue that is not the op's own outcome (a short pick, a count difference)."""

    kind: str
    code: str
    message: str
    sales_order: int | None = None
    order_line: int | None = None
    location: int | None = None
    product: int | None = None
    qty: int = 0


@dataclass(frozen=True, slots=True)
class Policy:
    """Limits a warehouse sets (server settings): beyond them a stock change waits for a supervisor."""

    count_tolerance_units: int = 10  # a count may move a bin's book by this many units …
    count_tolerance_pct: int = 10  # … or by this % of the book, whichever is more, without approval
    receipt_max_units: int = 1_000  # a receipt of more units than this in one scan waits for approval

    def count_needs_approval(self, book: int, counted: int) -> bool:
        return abs(counted - book) > max(self.count_tolerance_units, book * self.count_tolerance_pct // 100)


@dataclass(slots=True)
class ApplyContext:
    now: dt.datetime
    actor: int | None
    ledger_id: int | None = None
    actor_name: str = ""
    device_id: str | None = None
    seq: int | None = None
    device_at: dt.datetime | None = None
    adjustments: list[tuple[str, str]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    refs: dict[str, Any] = field(default_factory=dict)  # order / line / location / product the outcome is about
    policy: Policy = field(default_factory=Policy)
    # The sender's role may not send this op: it passes only as the assignee of the floor task it names.
    assigned_only: bool = False

    def adjust(self, code: str, message: str) -> None:
        """The physical fact was recorded, but the server changed its consequence."""
        self.adjustments.append((code, message))

    def flag(self, kind: str, code: str, message: str, **refs: int) -> None:
        self.flags.append(Flag(kind, code, message, **refs))

    def about(self, **refs: int | None) -> None:
        self.refs.update({k: v for k, v in refs.items() if v is not None})

    def outcome_code(self) -> tuple[str, str]:
        ranked = sorted(
            self.adjustments, key=lambda a: ADJUSTMENT_PRECEDENCE.index(a[0]) if a[0] in ADJUSTMENT_PRECEDENCE else 99
        )
        return ranked[0][0], " ".join(message for _, message in ranked)
