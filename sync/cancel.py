"""Cancelling an order: reservations go back to stock, and waiting orders get them."""

from __future__ import annotations

from typing import Any

from .allocation import feed_backorders, release_line
from .context import ApplyContext
from .errors import NotFound
from .model import State
from .ops import CancelOrder
from .orders import check_transition, set_status
from .reads import Reads
from .registry import STAFF, registers


def _reads_cancel_order(op: CancelOrder, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.order_ids.add(op.order_id)


@registers(CancelOrder, reads=_reads_cancel_order, roles=STAFF, device=False)
def apply_cancel(state: State, op: CancelOrder, ctx: ApplyContext) -> dict[str, Any]:
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    check_transition(order, "cancelled")
    freed: set[int] = set()
    for line in state.lines_of(order.id):
        if line.qty_allocated:
            freed.add(line.product)
        release_line(state, line)
        line.status = "cancelled"
        state.touch(line)
    for task in state.tasks_of_order(order.id):
        if task.status == "open":
            task.status = "cancelled"
            state.touch(task)
    set_status(state, order, "cancelled", ctx.now, ctx.ledger_id, note=op.reason)
    for product_id in sorted(freed):
        feed_backorders(state, product_id, ctx.now, ctx.ledger_id)
    return {"order_id": order.id}
