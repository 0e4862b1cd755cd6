"""Order intake from a channel, and releasing an order held for payment."""

from __future__ import annotations

from typing import Any

from .allocation import allocate_order
from .context import ApplyContext
from .errors import IllegalTransition, Invalid, NotFound
from .model import Address, Customer, Line, Order, OrderEvent, State
from .ops import IntakeOrder, MarkPaid
from .orders import set_status
from .purchasing import open_drop_ships
from .reads import Reads
from .registry import STAFF, registers


def _reads_intake_order(op: IntakeOrder, reads: Reads) -> None:
    reads.allocates = True
    reads.channel_codes.add(op.channel)
    reads.refs.add((op.channel, op.external_ref))
    reads.skus.update(line.sku for line in op.lines)


@registers(IntakeOrder, reads=_reads_intake_order, roles=STAFF, device=False)
def apply_intake(state: State, op: IntakeOrder, ctx: ApplyContext) -> dict[str, Any]:
    channel = state.channels_by_code.get(op.channel)
    if channel is None:
        raise NotFound("unknown_channel", f"no sales channel with code {op.channel!r}", field="channel")
    existing = state.orders_by_ref.get((channel.id, op.external_ref))
    if existing is not None:
        # Idempotent intake: the channel retried; answer with the order we already have.
        return {"order_id": existing.id, "duplicate": True}
    products = []
    seen: set[str] = set()
    for i, line in enumerate(op.lines):
        product = state.products_by_sku.get(line.sku)
        if product is None:
            raise NotFound("unknown_sku", f"no product with SKU {line.sku!r}", field=f"lines[{i}].sku")
        if not product.active:
            raise Invalid("inactive_sku", f"product {line.sku!r} is not sold any more", field=f"lines[{i}].sku")
        if line.sku in seen:
            raise Invalid(
                "duplicate_sku", f"SKU {line.sku!r} appears on two lines; put the total on one", field=f"lines[{i}].sku"
            )
        seen.add(line.sku)
        drop_ship = product.drop_ship if line.drop_ship is None else line.drop_ship
        if drop_ship and product.supplier is None:
            raise Invalid(
                "no_supplier",
                f"{line.sku} has no supplier to drop-ship it; set the product's supplier",
                field=f"lines[{i}].drop_ship",
            )
        products.append((product, drop_ship))

    customer = state.add(Customer(state.temp_id(), op.customer.name, op.customer.email, op.customer.phone))
    a = op.ship_to
    address = state.add(
        Address(state.temp_id(), customer.id, a.line1, a.line2, a.city, a.postcode, a.region, a.country, a.lat, a.lon)
    )
    order = state.add(
        Order(
            id=state.temp_id(),
            channel=channel.id,
            external_ref=op.external_ref,
            customer=customer.id,
            ship_to=address.id,
            warehouse=state.warehouse_id,
            status="new",
            payment_status=op.payment_status,
            tracking_token=op.tracking_token,
            created_at=ctx.now,
            updated_at=ctx.now,
            promised_at=op.promised_at,
        )
    )
    state.orders_by_ref[(channel.id, op.external_ref)] = order
    state.add(OrderEvent(state.temp_id(), order.id, "new", ctx.now, f"received from {op.channel}", ctx.ledger_id))
    for n, (line, (product, drop_ship)) in enumerate(zip(op.lines, products, strict=True), start=1):
        status = "drop_ship" if drop_ship else "backordered"
        state.add(Line(state.temp_id(), order.id, n, product.id, line.qty, 0, 0, status, drop_ship=drop_ship))
    if op.payment_status == "pending":
        set_status(state, order, "on_hold", ctx.now, ctx.ledger_id, note="waiting for payment")
        return {"order_id": order.id, "duplicate": False}
    allocate_order(state, order, ctx.now, ctx.ledger_id)
    drop_ships = open_drop_ships(state, ctx, order)
    return {"order_id": order.id, "duplicate": False} | ({"drop_ship_pos": drop_ships} if drop_ships else {})


def _reads_mark_paid(op: MarkPaid, reads: Reads) -> None:
    reads.allocates = True
    reads.order_ids.add(op.order_id)
    reads.drop_ships_of.add(op.order_id)


@registers(MarkPaid, reads=_reads_mark_paid, roles=STAFF, device=False)
def apply_mark_paid(state: State, op: MarkPaid, ctx: ApplyContext) -> dict[str, Any]:
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    if order.payment_status == "paid":
        return {"order_id": order.id}
    if order.status != "on_hold":
        raise IllegalTransition("illegal_transition", f"order {order.id} is {order.status}, not on hold", field="order_id")
    order.payment_status = "paid"
    state.touch(order)
    allocate_order(state, order, ctx.now, ctx.ledger_id)
    drop_ships = open_drop_ships(state, ctx, order)  # bought for the customer only once they paid
    return {"order_id": order.id} | ({"drop_ship_pos": drop_ships} if drop_ships else {})
