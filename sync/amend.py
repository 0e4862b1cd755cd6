"""A channel changes an order it already sent: new ship-to address, lines added, removed or resized.

Before the order reaches the floor the change is applied as if the order had arrived that way: the
changed lines give back their reservations and reserve anew (short lines are backordered, freed
units go to waiting orders). Once it is released to the pickers the change is refused
(`changed_after_picking`) and becomes an exception naming what the channel changed: phones may
already hold picks of the old lines, and a supervisor decides (cancel, call the customer, ship as is).
An update that changes nothing is applied as a no-op, so a shop re-sending the same order is harmless.
"""

from __future__ import annotations

from typing import Any

from .allocation import allocate_line, feed_backorders, release_line
from .context import ApplyContext
from .errors import IllegalTransition, Invalid, NotFound
from .model import Address, Line, Order, Product, State
from .ops import AddressArgs, UpdateOrder
from .orders import ALLOCATABLE, allocation_status, line_status, set_status
from .reads import Reads
from .registry import STAFF, registers

# Statuses in which an order's lines and address may still change: not yet handed to the pickers.
AMENDABLE = ALLOCATABLE | {"on_hold"}
_ADDRESS_FIELDS = ("line1", "line2", "city", "postcode", "region", "country", "lat", "lon")


def _reads_update_order(op: UpdateOrder, reads: Reads) -> None:
    reads.feeds_backorders()  # units a shrunk or removed line held go to waiting orders
    reads.order_ids.add(op.order_id)
    reads.skus.update(line.sku for line in op.lines)
    reads.ship_to = True


def _products(state: State, op: UpdateOrder) -> dict[int, tuple[Product, int]]:
    """The op's lines as {product id: (product, qty)}, refused like intake refuses them."""
    wanted: dict[int, tuple[Product, int]] = {}
    for i, line in enumerate(op.lines):
        product = state.products_by_sku.get(line.sku)
        if product is None:
            raise NotFound("unknown_sku", f"no product with SKU {line.sku!r}", field=f"lines[{i}].sku")
        if not product.active:
            raise Invalid("inactive_sku", f"product {line.sku!r} is not sold any more", field=f"lines[{i}].sku")
        if product.id in wanted:
            raise Invalid(
                "duplicate_sku", f"SKU {line.sku!r} appears on two lines; put the total on one", field=f"lines[{i}].sku"
            )
        wanted[product.id] = (product, line.qty)
    return wanted


def _address_changed(old: Address | None, new: AddressArgs) -> bool:
    if old is None:
        return True
    return any(getattr(old, name) != getattr(new, name) for name in _ADDRESS_FIELDS)


def _describe(
    state: State, order: Order, wanted: dict[int, tuple[Product, int]], address_changed: bool, new: AddressArgs
) -> list[str]:
    """What the update changes, in words a supervisor reads ("SKU-A 2 → 3", "SKU-C added (1)")."""
    current = {line.product: line for line in state.lines_of(order.id) if line.status != "cancelled"}
    changes = []
    for product_id, line in current.items():
        if product_id not in wanted:
            sku = state.products[product_id].sku if product_id in state.products else f"product {product_id}"
            changes.append(f"{sku} removed (was {line.qty})")
    for product_id, (product, qty) in wanted.items():
        old = current.get(product_id)
        if old is None:
            changes.append(f"{product.sku} added ({qty})")
        elif old.qty != qty:
            changes.append(f"{product.sku} {old.qty} → {qty}")
    if address_changed:
        changes.append(f"ship-to now {new.line1}, {new.city} {new.postcode} {new.country}")
    return changes


@registers(UpdateOrder, reads=_reads_update_order, roles=STAFF, device=False)
def apply_update_order(state: State, op: UpdateOrder, ctx: ApplyContext) -> dict[str, Any]:
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    ctx.about(sales_order=order.id)
    wanted = _products(state, op)
    address_changed = _address_changed(state.addresses.get(order.ship_to), op.ship_to)
    changes = _describe(state, order, wanted, address_changed, op.ship_to)
    if not changes:
        return {"order_id": order.id, "changed": []}
    who = op.source or "the channel"
    if order.status == "cancelled":
        raise IllegalTransition(
            "order_cancelled",
            f"{who} changed order {order.external_ref}, which is cancelled here: {'; '.join(changes)}. Nothing was applied",
            field="order_id",
        )
    if order.status not in AMENDABLE:
        raise IllegalTransition(
            "changed_after_picking",
            f"{who} changed order {order.external_ref} after it went to the pickers (it is {order.status}): "
            f"{'; '.join(changes)}. Not applied: cancel it, or ship it as picked and settle the difference with the customer",
            field="order_id",
        )

    lines = state.lines_of(order.id)
    by_product = {line.product: line for line in lines}
    freed: set[int] = set()
    touched: list[Line] = []
    for line in lines:
        if line.status == "cancelled":
            continue
        want = wanted.get(line.product)
        if want is not None and want[1] == line.qty:
            continue  # unchanged: it keeps its reservations
        if line.qty_allocated:
            freed.add(line.product)
        release_line(state, line)
        if want is None:
            line.status = "cancelled"
        else:
            line.qty = want[1]
            line.status = line_status(line)
            touched.append(line)
        state.touch(line)
    next_no = max((line.line_no for line in lines), default=0) + 1
    for product_id, (_, qty) in wanted.items():
        known = by_product.get(product_id)
        if known is None:  # a SKU new to the order
            touched.append(state.add(Line(state.temp_id(), order.id, next_no, product_id, qty, 0, 0, "backordered")))
            next_no += 1
        elif known.status == "cancelled":  # a SKU removed earlier comes back on its old line
            known.qty, known.qty_allocated = qty, 0
            known.status = line_status(known)
            state.touch(known)
            touched.append(known)

    if address_changed:
        a = op.ship_to
        address = state.add(
            Address(state.temp_id(), order.customer, a.line1, a.line2, a.city, a.postcode, a.region, a.country, a.lat, a.lon)
        )
        order.ship_to = address.id
    order.updated_at = ctx.now
    state.touch(order)
    if order.status != "on_hold":  # an order on hold reserves nothing until it is let go
        for line in touched:
            allocate_line(state, order, line)
            line.status = line_status(line)
            state.touch(line)
        set_status(state, order, allocation_status(state.lines_of(order.id)), ctx.now, ctx.ledger_id, note=f"changed by {who}")
    for product_id in sorted(freed):
        feed_backorders(state, product_id, ctx.now, ctx.ledger_id)
    return {"order_id": order.id, "changed": changes}
