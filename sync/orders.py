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
    "awaiting_supplier",
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
    "new": frozenset({"on_hold", "backordered", "partially_allocated", "allocated", "awaiting_supplier", "cancelled"}),
    "on_hold": frozenset({"backordered", "partially_allocated", "allocated", "awaiting_supplier", "cancelled"}),
    "backordered": frozenset({"partially_allocated", "allocated", "on_hold", "cancelled"}),
    "partially_allocated": frozenset({"backordered", "allocated", "on_hold", "cancelled"}),
    "allocated": frozenset({"backordered", "partially_allocated", "released", "on_hold", "cancelled"}),
    # Every line is a drop-ship: the supplier ships it all, the floor never sees it (sync/purchasing.py).
    "awaiting_supplier": frozenset({"shipped", "cancelled"}),
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


def own_lines(lines: list[Line]) -> list[Line]:
    """The lines the warehouse fulfils itself: not cancelled, not drop-shipped by a supplier."""
    return [l for l in lines if l.status != "cancelled" and not l.drop_ship]


def supplier_pending(lines: list[Line]) -> bool:
    """Some drop-ship line still waits for its supplier to ship: the order is not shipped yet."""
    return any(l.drop_ship and l.status == "drop_ship" for l in lines)


def line_status(line: Line) -> str:
    if line.status == "cancelled":
        return "cancelled"
    if line.drop_ship:  # drop_ship (the supplier's to send) until its purchase order closes: shipped
        return "shipped" if line.status == "shipped" else "drop_ship"
    if line.qty_picked >= line.qty:
        return "picked"
    if line.qty_allocated >= line.qty:
        return "allocated"
    if line.qty_allocated > 0:
        return "partially_allocated"
    return "backordered"


def allocation_status(lines: list[Line]) -> str:
    """The order status that its lines' allocation implies. Drop-ship lines take no stock: an order of
    nothing else waits for its supplier."""
    live = own_lines(lines)
    if not live and any(l.drop_ship and l.status != "cancelled" for l in lines):
        return "awaiting_supplier"
    if live and all(l.qty_allocated >= l.qty for l in live):
        return "allocated"
    if any(l.qty_allocated > 0 for l in live):
        return "partially_allocated"
    return "backordered"
