"""Cancelling an order: reservations go back to stock, and waiting orders get them."""

from __future__ import annotations

from typing import Any

from .allocation import feed_backorders, release_line
from .context import ApplyContext
from .errors import NotFound
from .floor import floor_task, unpack_task
from .model import Order, State
from .ops import CancelOrder
from .orders import check_transition, set_status
from .purchasing import cancel_drop_ships
from .reads import Reads
from .registry import STAFF, registers


def _reads_cancel_order(op: CancelOrder, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.order_ids.add(op.order_id)
    reads.picked_of.add(op.order_id)
    reads.drop_ships_of.add(op.order_id)


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
    put_away = _put_picked_units_away(state, ctx, order)
    set_status(state, order, "cancelled", ctx.now, ctx.ledger_id, note=op.reason)
    cancel_drop_ships(state, ctx, order)
    for product_id in sorted(freed):
        feed_backorders(state, product_id, ctx.now, ctx.ledger_id)
    return {"order_id": order.id, "put_away": put_away}


def _put_picked_units_away(state: State, ctx: ApplyContext, order: Order) -> int:
    """Units already picked for the order go back: each tote's units to the bin they came from, and
    every open package is unpacked. Returns the units sent to put-away."""
    total = 0
    for line in state.lines_of(order.id):
        packed = sum(item.qty for item in state.items_of_line(line.id))
        in_totes = line.qty_picked - packed
        if in_totes <= 0:
            continue
        total += in_totes
        # The units leave the line for a put-away tote: still in the building, no longer the order's.
        line.qty_picked -= in_totes
        state.touch(line)
        product = state.products.get(line.product)
        sku = product.sku if product else f"product {line.product}"
        # The finished tasks say which tote holds the units and which bin they came from.
        for task in sorted(state.tasks_of_line(line.id), key=lambda t: t.seq):
            step = min(in_totes, task.qty_picked)
            if step <= 0:
                continue
            picker = state.users[task.picker].username if task.picker in state.users else f"user {task.picker}"
            floor_task(
                state,
                ctx,
                "put_away",
                location=task.location,
                product=line.product,
                lot=task.lot,
                qty=step,
                tote=task.tote,
                order=order.id,
                note=f"order {order.external_ref} was cancelled: {picker} has {step} {sku} in cart slot {task.tote} "
                f"of wave {task.wave}; put them back",
            )
            in_totes -= step
        if in_totes > 0:  # picked without a task (e.g. by a supervisor's device): the units are somewhere on the floor
            floor_task(
                state,
                ctx,
                "put_away",
                product=line.product,
                qty=in_totes,
                order=order.id,
                note=f"order {order.external_ref} was cancelled: put {in_totes} {sku} back",
            )
    for package in state.packages_of(order.id):
        if package.status == "open":
            unpack_task(state, ctx, order, package.id, "was cancelled")
    return total
