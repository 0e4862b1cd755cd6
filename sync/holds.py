"""Holding an order for a reason other than payment, and lifting that hold.

Two kinds of hold share the status `on_hold` and stay apart by the order's payment status:
an order on hold with `payment_status == "pending"` waits for its payment (intake put it there; only
`mark_paid` lets it go), one on hold with `payment_status == "paid"` was held by a supervisor
(`hold_order`; only `release_hold` lets it go). Holding an order that waits for payment is refused,
so neither action can undo the other kind of hold.

An order can be held only before it reaches the floor (the statuses that may become `on_hold` in
`sync.orders.TRANSITIONS`): once released, its pick tasks are in pickers' hands and offline phones
may already have picked it, so the answer is to cancel it, which sends picked units back.
"""

from __future__ import annotations

from typing import Any

from .allocation import allocate_line, feed_backorders, release_line
from .context import ApplyContext
from .errors import IllegalTransition, NotFound
from .model import State
from .ops import HoldOrder, ReleaseHold
from .orders import TRANSITIONS, allocation_status, line_status, set_status
from .reads import Reads
from .registry import STAFF, registers


def _reads_hold_order(op: HoldOrder, reads: Reads) -> None:
    reads.feeds_backorders()  # the units it held go to waiting orders
    reads.order_ids.add(op.order_id)


@registers(HoldOrder, reads=_reads_hold_order, roles=STAFF, device=False)
def apply_hold_order(state: State, op: HoldOrder, ctx: ApplyContext) -> dict[str, Any]:
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    if order.status == "on_hold":
        why = "waiting for payment" if order.payment_status == "pending" else "held"
        raise IllegalTransition("already_on_hold", f"order {order.external_ref} is already on hold ({why})", field="order_id")
    if "on_hold" not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            "cannot_hold",
            f"order {order.external_ref} is {order.status}; only orders not yet released to the pickers can be held "
            "(cancel it to stop it)",
            field="order_id",
        )
    freed: set[int] = set()
    units = 0
    for line in state.lines_of(order.id):
        if line.qty_allocated:
            freed.add(line.product)
            units += line.qty_allocated
        release_line(state, line)
        if line.status != "cancelled":
            line.status = line_status(line)
            state.touch(line)
    set_status(state, order, "on_hold", ctx.now, ctx.ledger_id, note=op.reason)
    for product_id in sorted(freed):
        feed_backorders(state, product_id, ctx.now, ctx.ledger_id)
    return {"order_id": order.id, "units_freed": units}


def _reads_release_hold(op: ReleaseHold, reads: Reads) -> None:
    reads.allocates = True
    reads.order_ids.add(op.order_id)


@registers(ReleaseHold, reads=_reads_release_hold, roles=STAFF, device=False)
def apply_release_hold(state: State, op: ReleaseHold, ctx: ApplyContext) -> dict[str, Any]:
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    if order.status != "on_hold":
        raise IllegalTransition("not_on_hold", f"order {order.external_ref} is {order.status}, not on hold", field="order_id")
    if order.payment_status == "pending":
        raise IllegalTransition(
            "payment_pending",
            f"order {order.external_ref} is waiting for payment; record the payment (mark paid) to release it",
            field="order_id",
        )
    lines = state.lines_of(order.id)
    units = 0
    for line in lines:
        units += allocate_line(state, order, line)
        if line.status != "cancelled":
            line.status = line_status(line)
            state.touch(line)
    set_status(state, order, allocation_status(lines), ctx.now, ctx.ledger_id, note="hold released")
    return {"order_id": order.id, "status": order.status, "units_reserved": units}
