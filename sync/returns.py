"""Customer returns: scanned in, inspected, back to stock or scrapped."""

from __future__ import annotations

from typing import Any

from .allocation import PICKABLE_KINDS, feed_backorders
from .context import ApplyContext
from .errors import NotFound, Rejected
from .floor import check_room, location_named, product_named, stock_at, stock_row
from .model import State
from .ops import ReturnReceive
from .reads import Reads
from .registry import STAFF, registers


def _reads_return_receive(op: ReturnReceive, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.order_ids.add(op.order_id)
    reads.stock_at(op.location, op.sku)


@registers(ReturnReceive, reads=_reads_return_receive, roles=STAFF | {"packer"}, device=True)
def apply_return_receive(state: State, op: ReturnReceive, ctx: ApplyContext) -> dict[str, Any]:
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    product = product_named(state, op.sku)
    location = location_named(state, op.location)
    ctx.about(sales_order=order.id, product=product.id, location=location.id)
    if order.status not in ("shipped", "delivered"):
        raise Rejected(
            "not_shipped", f"order {order.external_ref} is {order.status}; only shipped orders can be returned", field="order_id"
        )
    line = next((l for l in state.lines_of(order.id) if l.product == product.id), None)
    if line is None:
        raise Rejected("not_on_order", f"{op.sku} is not on order {order.external_ref}", field="sku")
    if op.qty > line.qty_picked:
        raise Rejected("more_than_sent", f"order {order.external_ref} sent {line.qty_picked} × {op.sku}", field="qty")
    if op.condition == "resellable":
        check_room(stock_at(state, location, product, ""), op.qty)
        stock = stock_row(state, location, product, "")
        stock.on_hand += op.qty
        state.touch(stock)
        if location.kind in PICKABLE_KINDS:
            feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
        return {"restocked": op.qty, "scrapped": 0}
    return {"restocked": 0, "scrapped": op.qty}
