"""Stock adjustments: a counted or physical difference booked at one location, with a reason."""

from __future__ import annotations

from .allocation import PICKABLE_KINDS, feed_backorders, shrink_reservations
from .context import ApplyContext
from .errors import Invalid, NotFound
from .model import State, Stock
from .ops import AdjustStock


def apply_adjust(state: State, op: AdjustStock, ctx: ApplyContext) -> dict:
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
