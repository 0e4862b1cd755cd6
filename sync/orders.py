"""The order state machine and the status of order lines."""

from __future__ import annotations

import datetime as dt

from .errors import IllegalTransition
from .model import Line, Order, OrderEvent, State

ORDER_STATUSES = (
    "new",
    "on_hold",
    "backordered",
    "partially_allocated",
    "allocated",
    "released",
    "picking",
    "picked",
    "packed",
    "shipped",
    "delivered",
    "cancelled",
)

# from-status -> statuses it may move to. Anything else is an illegal transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"on_hold", "backordered", "partially_allocated", "allocated", "cancelled"}),
    "on_hold": frozenset({"backordered", "partially_allocated", "allocated", "cancelled"}),
    "backordered": frozenset({"partially_allocated", "allocated", "on_hold", "cancelled"}),
    "partially_allocated": frozenset({"backordered", "allocated", "on_hold", "cancelled"}),
    "allocated": frozenset({"backordered", "partially_allocated", "released", "on_hold", "cancelled"}),
    "released": frozenset({"picking", "allocated", "cancelled"}),
    "picking": frozenset({"picked", "cancelled"}),
    "picked": frozenset({"packed", "cancelled"}),
    "packed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
# Orders still waiting for stock: new stock goes to these, oldest first.
AWAITING_STOCK = frozenset({"backordered", "partially_allocated"})
# Orders whose allocation may still change (not yet on the floor).
ALLOCATABLE = frozenset({"new", "backordered", "partially_allocated", "allocated"})


def check_transition(order: Order, to: str) -> None:
    if to not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            "illegal_transition",
            f"order {order.id} is {order.status}; it cannot become {to}",
            field="status",
        )


def set_status(state: State, order: Order, to: str, now: dt.datetime, ledger_id: int | None, note: str = "") -> None:
    """Move an order to `to` (if that is a legal step) and add it to the order's timeline."""
    if order.status == to:
        return
    check_transition(order, to)
    order.status = to
    order.updated_at = now
    state.touch(order)
    state.add(OrderEvent(state.temp_id(), order.id, to, now, note, ledger_id))


def line_status(line: Line) -> str:
    if line.status == "cancelled":
        return "cancelled"
    if line.qty_picked >= line.qty:
        return "picked"
    if line.qty_allocated >= line.qty:
        return "allocated"
    if line.qty_allocated > 0:
        return "partially_allocated"
    return "backordered"


def allocation_status(lines: list[Line]) -> str:
    """The order status that its lines' allocation implies."""
    live = [l for l in lines if l.status != "cancelled"]
    if live and all(l.qty_allocated >= l.qty for l in live):
        return "allocated"
    if any(l.qty_allocated > 0 for l in live):
        return "partially_allocated"
    return "backordered"
