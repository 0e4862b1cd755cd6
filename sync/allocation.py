"""Reserving stock for order lines: never more than is available, oldest orders first."""

from __future__ import annotations

import datetime as dt

from .model import Line, Order, Reservation, State, Stock, age
from .orders import ALLOCATABLE, AWAITING_STOCK, allocation_status, line_status, set_status

PICKABLE_KINDS = frozenset({"bin"})
_FAR_FUTURE = dt.date.max


def _candidates(state: State, product_id: int, warehouse_id: int, exclude: int | None = None) -> list[Stock]:
    """Stock a line may reserve from: pickable bins of the order's site, earliest expiry first, then path."""
    rows = []
    for stock in state.stock_of(product_id):
        location = state.locations[stock.location]
        if (
            location.kind in PICKABLE_KINDS
            and location.warehouse == warehouse_id
            and stock.available > 0
            and location.id != exclude
        ):
            rows.append(stock)
    rows.sort(key=lambda s: (s.expiry or _FAR_FUTURE, state.locations[s.location].path_seq, age(s.id)))
    return rows


def allocate_line(state: State, order: Order, line: Line, exclude: int | None = None) -> int:
    """Reserve what the line still lacks from available stock (never from `exclude`, a location id);
    return the units reserved."""
    need = line.qty - line.qty_allocated
    reserved = 0
    if need <= 0 or line.status == "cancelled" or line.drop_ship:
        return 0
    existing = {r.stock: r for r in state.reservations_of(line.id)}
    for stock in _candidates(state, line.product, order.warehouse, exclude):
        take = min(stock.available, need - reserved)
        stock.reserved += take
        state.touch(stock)
        if stock.id in existing:
            existing[stock.id].qty += take
            state.touch(existing[stock.id])
        else:
            state.add(Reservation(state.temp_id(), line.id, stock.id, take))
        reserved += take
        if reserved == need:
            break
    if reserved:
        line.qty_allocated += reserved
        line.status = line_status(line)
        state.touch(line)
    return reserved


def unreserve(state: State, reservation: Reservation, qty: int) -> int:
    """Give back up to `qty` units of a reservation to its stock row; returns the units given back."""
    give = min(qty, reservation.qty)
    stock = state.stock[reservation.stock]
    stock.reserved -= give
    reservation.qty -= give
    state.touch(stock)
    if reservation.qty == 0:
        state.delete(reservation)
    else:
        state.touch(reservation)
    return give


def release_line(state: State, line: Line) -> None:
    """Give back every unit reserved for the line."""
    for reservation in state.reservations_of(line.id):
        stock = state.stock[reservation.stock]
        stock.reserved -= reservation.qty
        state.touch(stock)
        state.delete(reservation)
    line.qty_allocated = 0
    state.touch(line)


def allocate_order(state: State, order: Order, now: dt.datetime, ledger_id: int | None) -> None:
    """Reserve stock for every open line and move the order to allocated / partial / backordered."""
    lines = state.lines_of(order.id)
    for line in lines:
        allocate_line(state, order, line)
        line.status = line_status(line)
        state.touch(line)
    set_status(state, order, allocation_status(lines), now, ledger_id)


def refresh_order(state: State, order: Order, now: dt.datetime, ledger_id: int | None, note: str = "") -> None:
    """After its lines' allocation changed, put a not-yet-released order in the status it implies."""
    if order.status in ALLOCATABLE:
        set_status(state, order, allocation_status(state.lines_of(order.id)), now, ledger_id, note)


def feed_backorders(state: State, product_id: int, now: dt.datetime, ledger_id: int | None) -> None:
    """Stock of a product became available: give it to waiting lines, the oldest promise first (the
    earliest `promised_at`; orders with no promise after every promised one), then the oldest order."""
    waiting = [
        line
        for line in state.lines_of_product(product_id)
        if line.status in ("backordered", "partially_allocated") and state.orders[line.sales_order].status in AWAITING_STOCK
    ]
    waiting.sort(key=lambda l: (*promise_key(state.orders[l.sales_order]), age(l.sales_order), l.line_no))
    for line in waiting:
        order = state.orders[line.sales_order]
        if allocate_line(state, order, line):
            refresh_order(state, order, now, ledger_id, note="stock arrived")


def promise_key(order: Order) -> tuple[bool, float]:
    """Sort key for "oldest promise first": promised orders by their date, then the unpromised."""
    promised = order.promised_at
    return (promised is None, promised.timestamp() if promised is not None else 0.0)


def shrink_reservations(state: State, stock: Stock, now: dt.datetime, ledger_id: int | None) -> None:
    """Stock fell below what is reserved on it: take units back from the newest orders first."""
    excess = stock.reserved - stock.on_hand
    if excess <= 0:
        return
    on_stock = sorted(
        state.reservations_on(stock.id),
        key=lambda r: (age(state.lines[r.order_line].sales_order), age(r.order_line)),
        reverse=True,
    )
    touched: list[Order] = []
    for reservation in on_stock:
        take = min(reservation.qty, excess)
        line = state.lines[reservation.order_line]
        reservation.qty -= take
        stock.reserved -= take
        line.qty_allocated -= take
        excess -= take
        if reservation.qty == 0:
            state.delete(reservation)
        else:
            state.touch(reservation)
        line.status = line_status(line)
        state.touch(line)
        state.touch(stock)
        order = state.orders[line.sales_order]
        # The line may still find the units in another bin.
        allocate_line(state, order, line)
        touched.append(order)
        if excess == 0:
            break
    for order in touched:
        refresh_order(state, order, now, ledger_id, note="stock adjusted down")
