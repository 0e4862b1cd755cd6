"""Stock adjustments: a counted or physical difference booked at one location, with a reason."""

from __future__ import annotations

from typing import Any

from .allocation import PICKABLE_KINDS, feed_backorders, shrink_reservations
from .context import ApplyContext
from .errors import Invalid, NotFound
from .floor import check_room, floor_task, location_named, product_named, stock_at, stock_row
from .model import State, Stock
from .ops import AdjustStock, Count, Move, Receive
from .reads import UNBOUNDED, Reads
from .registry import STAFF, registers


def _reads_adjust_stock(op: AdjustStock, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.stock_at(op.location, op.sku)
    if op.qty_delta < 0:
        reads.take(op.location, op.sku, -op.qty_delta)


@registers(AdjustStock, reads=_reads_adjust_stock, roles=STAFF, device=False)
def apply_adjust(state: State, op: AdjustStock, ctx: ApplyContext) -> dict[str, Any]:
    location = state.locations_by_code.get(op.location)
    if location is None:
        raise NotFound("unknown_location", f"no location with code {op.location!r}", field="location")
    product = state.products_by_sku.get(op.sku)
    if product is None:
        raise NotFound("unknown_sku", f"no product with SKU {op.sku!r}", field="sku")
    if op.qty_delta == 0:
        raise Invalid("zero_delta", "qty_delta must not be 0", field="qty_delta")
    stock = next(
        (s for s in state.stock_of(product.id) if s.location == location.id and s.lot == op.lot), None
    )
    on_hand = stock.on_hand if stock else 0
    if on_hand + op.qty_delta < 0:
        raise Invalid(
            "negative_stock",
            f"{op.location} holds {on_hand} of {op.sku}{' lot ' + op.lot if op.lot else ''}; "
            f"qty_delta {op.qty_delta} would make it negative",
            field="qty_delta",
        )
    if op.qty_delta > 0:
        check_room(stock, op.qty_delta, "qty_delta")
    if stock is None:
        stock = state.add(Stock(state.temp_id(), location.id, product.id, op.lot, op.expiry, 0, 0))
    stock.on_hand += op.qty_delta
    if op.expiry is not None:
        stock.expiry = op.expiry
    state.touch(stock)
    if op.qty_delta < 0:
        shrink_reservations(state, stock, ctx.now, ctx.ledger_id)
    elif location.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "reserved": stock.reserved}


def _reads_receive(op: Receive, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.stock_at(op.location, op.sku)


@registers(Receive, reads=_reads_receive, roles=STAFF, device=True)
def apply_receive(state: State, op: Receive, ctx: ApplyContext) -> dict[str, Any]:
    location = location_named(state, op.location)
    product = product_named(state, op.sku)
    ctx.about(location=location.id, product=product.id)
    check_room(stock_at(state, location, product, op.lot), op.qty)
    stock = stock_row(state, location, product, op.lot, op.expiry)
    stock.on_hand += op.qty
    if op.expiry is not None:
        stock.expiry = op.expiry
    state.touch(stock)
    if location.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    return {"stock_id": stock.id, "on_hand": stock.on_hand}


def _reads_count(op: Count, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.stock_at(op.location, op.sku)
    reads.counts.add((op.location, op.sku))
    reads.take(op.location, op.sku, UNBOUNDED)


@registers(Count, reads=_reads_count, roles=STAFF, device=True)
def apply_count(state: State, op: Count, ctx: ApplyContext) -> dict[str, Any]:
    """The book follows the count; a difference is flagged, and open counts of that bin are closed."""
    location = location_named(state, op.location)
    product = product_named(state, op.sku)
    ctx.about(location=location.id, product=product.id)
    stock = stock_row(state, location, product, op.lot)
    difference = op.counted - stock.on_hand
    stock.on_hand = op.counted
    state.touch(stock)
    if difference < 0 and stock.reserved > stock.on_hand:
        shrink_reservations(state, stock, ctx.now, ctx.ledger_id)
    elif difference > 0 and location.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    if difference:
        ctx.flag("stock_discrepancy", "count_difference",
                 f"{location.code}: counted {op.counted} × {op.sku}, the book had {op.counted - difference}",
                 location=location.id, product=product.id, qty=difference)
    for task in state.floor_tasks.values():
        if task.kind == "cycle_count" and task.status == "open" and task.location == location.id and task.product == product.id:
            task.status = "done"
            state.touch(task)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "difference": difference}


def _reads_move(op: Move, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.skus.add(op.sku)
    reads.location_codes.update((op.from_location, op.to_location))
    reads.take(op.from_location, op.sku, op.qty)


@registers(Move, reads=_reads_move, roles=STAFF | {"picker"}, device=True)
def apply_move(state: State, op: Move, ctx: ApplyContext) -> dict[str, Any]:
    source = location_named(state, op.from_location, "from_location")
    target = location_named(state, op.to_location, "to_location")
    product = product_named(state, op.sku)
    ctx.about(location=source.id, product=product.id)
    if source.id == target.id:
        raise Invalid("same_location", "from_location and to_location are the same", field="to_location")
    # A move never changes how many units of a SKU the warehouse holds: the book moves what the source
    # held at most. More than that is a discrepancy, not found stock: both bins are counted and the
    # counts set the book right (a count is one of the ops that may change a SKU's total).
    source_stock = stock_at(state, source, product, op.lot)
    on_book = source_stock.on_hand if source_stock is not None else 0
    moved = min(op.qty, on_book)
    check_room(stock_at(state, target, product, op.lot), moved)
    if source_stock is not None and moved:
        source_stock.on_hand -= moved
        state.touch(source_stock)
        if source_stock.reserved > source_stock.on_hand:
            shrink_reservations(state, source_stock, ctx.now, ctx.ledger_id)
    stock = stock_row(state, target, product, op.lot)
    stock.on_hand += moved
    state.touch(stock)
    if moved < op.qty:
        for bin_ in (source, target):
            floor_task(state, ctx, "cycle_count", location=bin_.id, product=product.id,
                       note=f"{op.qty} {product.sku} moved {source.code} → {target.code}; the book held {on_book}")
        ctx.adjust("stock_discrepancy", f"{source.code} held {on_book} of {product.sku} on the book, {op.qty} were moved; "
                   f"the book moved {moved} and counts of {source.code} and {target.code} were created.")
    if moved and target.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "moved": moved}
