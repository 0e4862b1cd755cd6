"""Shared floor helpers: finding rows named by scans, follow-up tasks, stock that left a bin."""

from __future__ import annotations

import datetime as dt

from .allocation import shrink_reservations
from .context import ApplyContext
from .errors import Invalid, NotFound
from .model import FloorTask, Line, Location, Order, Product, State, Stock


def line_named(state: State, line_id: int) -> Line:
    line = state.lines.get(line_id)
    if line is None:
        raise NotFound("unknown_line", f"no order line {line_id}", field="order_line_id")
    return line


def product_named(state: State, sku: str, field: str = "sku") -> Product:
    product = state.products_by_sku.get(sku)
    if product is None:
        raise NotFound("unknown_sku", f"no product with SKU {sku!r}", field=field)
    return product


def location_named(state: State, code: str, field: str = "location") -> Location:
    location = state.locations_by_code.get(code)
    if location is None:
        raise NotFound("unknown_location", f"no location {code!r}", field=field)
    return location


def stock_at(state: State, location: Location, product: Product, lot: str) -> Stock | None:
    for stock in state.stock_of(product.id):
        if stock.location == location.id and stock.lot == lot:
            return stock
    return None


# The most units one stock row may hold: far beyond any real bin, well inside every database's integers.
MAX_ON_HAND = 1_000_000_000


def check_room(stock: Stock | None, qty: int, field: str = "qty") -> None:
    """Refuse an op that would take a bin's book beyond MAX_ON_HAND (checked before anything changes)."""
    on_hand = stock.on_hand if stock is not None else 0
    if on_hand + qty > MAX_ON_HAND:
        raise Invalid(
            "stock_limit",
            f"a location holds at most {MAX_ON_HAND:,} units of one SKU and lot; "
            f"it holds {on_hand:,}, adding {qty:,} is too many",
            field=field,
        )


def stock_row(state: State, location: Location, product: Product, lot: str, expiry: dt.date | None = None) -> Stock:
    """The stock row for location × product × lot, created empty if the book has none."""
    stock = stock_at(state, location, product, lot)
    if stock is None:
        stock = state.add(
            Stock(id=state.temp_id(), location=location.id, product=product.id, lot=lot, expiry=expiry, on_hand=0, reserved=0)
        )
    return stock


def floor_task(
    state: State,
    ctx: ApplyContext,
    kind: str,
    *,
    location: int | None = None,
    product: int | None = None,
    lot: str = "",
    qty: int = 0,
    tote: str = "",
    order: int | None = None,
    package: int | None = None,
    note: str = "",
    assignee: int | None = None,
    for_actor: bool = False,
    purchase_order: int | None = None,
) -> FloorTask:
    """A follow-up task. `for_actor`: the units or the bin are in the hands of whoever sent the op, so
    when that is a picker's phone the task is theirs (they get it on their next pull)."""
    if for_actor and assignee is None:
        assignee = picker_actor(state, ctx)
    return state.add(
        FloorTask(
            id=state.temp_id(),
            kind=kind,
            status="open",
            location=location,
            product=product,
            lot=lot,
            qty=qty,
            tote=tote,
            sales_order=order,
            package=package,
            note=note,
            ledger_id=ctx.ledger_id,
            created_at=ctx.now,
            assignee=assignee,
            purchase_order=purchase_order,
        )
    )


def picker_actor(state: State, ctx: ApplyContext) -> int | None:
    """The op's sender, if it came from a picker's phone (the loader always loads the acting user)."""
    user = state.users.get(ctx.actor) if ctx.actor is not None and ctx.device_id is not None else None
    return user.id if user is not None and user.role == "picker" else None


def unpack_task(state: State, ctx: ApplyContext, order: Order, package_id: int, why: str) -> None:
    """One open unpack task per package: a second reason to unpack it adds no second task."""
    for task in state.floor_tasks.values():
        if task.kind == "unpack" and task.status == "open" and task.package == package_id:
            return
    code = state.packages[package_id].code if package_id in state.packages else str(package_id)
    floor_task(
        state,
        ctx,
        "unpack",
        order=order.id,
        package=package_id,
        note=f"order {order.external_ref} {why}: unpack {code} and return its units to stock",
    )


def take_from_bin(state: State, ctx: ApplyContext, stock: Stock | None, location: Location, product: Product, qty: int) -> int:
    """`qty` units physically left a bin. The book follows, never below zero; returns the units the
    book did not have (a discrepancy, for which a cycle count of the bin is created)."""
    on_book = stock.on_hand if stock is not None else 0
    taken = min(qty, on_book)
    missing = qty - taken
    if stock is not None and taken:
        stock.on_hand -= taken
        state.touch(stock)
        if stock.reserved > stock.on_hand:
            shrink_reservations(state, stock, ctx.now, ctx.ledger_id)
    if missing:
        floor_task(
            state,
            ctx,
            "cycle_count",
            location=location.id,
            product=product.id,
            qty=missing,
            note=f"{missing} more {product.sku} taken from {location.code} than the book held",
            for_actor=True,
        )
        ctx.adjust(
            "stock_discrepancy",
            f"{location.code} held {on_book} of {product.sku} on the book, {qty} were taken; "
            f"the book is now 0 and a cycle count of {location.code} was created.",
        )
    return missing


def committed(state: State, line: Line) -> int:
    """Units the line holds: picked plus still reserved."""
    return line.qty_picked + sum(r.qty for r in state.reservations_of(line.id))


def order_of(state: State, line: Line) -> Order:
    return state.orders[line.sales_order]
