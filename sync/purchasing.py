"""Purchase orders to suppliers, and drop-ships.

A stock purchase order goes draft → approved (a supervisor agreed to spend) → sent (the supplier has
it; expected by a date) → receiving → received (the receiving slice books what arrives) — or is
cancelled before anything arrived. A drop-ship purchase order is made at intake for an order's
drop-ship lines (one per supplier), follows the same draft → approved → sent path, and closes when
the supplier's tracking number is entered: its lines are then shipped, and so is the order once
nothing else of it is left in the building. See docs/purchasing.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .context import ApplyContext
from .errors import IllegalTransition, Invalid, NotFound
from .model import Line, Order, PoLine, Product, PurchaseOrder, State, po_code
from .ops import ApprovePurchaseOrder, CancelPurchaseOrder, CloseDropShip, CreatePurchaseOrder, SendPurchaseOrder, SetPoExpected
from .orders import set_status, supplier_pending
from .reads import Reads
from .registry import STAFF, registers

# from-status → statuses a purchase order may move to (receiving and received belong to receipts).
PO_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"approved", "cancelled"}),
    "approved": frozenset({"sent", "closed", "cancelled"}),
    "sent": frozenset({"receiving", "received", "closed", "cancelled"}),
    "receiving": frozenset({"received", "closed"}),
    "received": frozenset({"closed"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
# Still to arrive (stock) or to be shipped by the supplier (drop-ship): counts as "on order".
OPEN_PO_STATUSES = frozenset({"draft", "approved", "sent", "receiving"})
# What an action needs the purchase order to be, in words for the refusal.
_NEEDS = {"approved": "a draft", "sent": "an approved purchase order", "cancelled": "a purchase order nothing has arrived for"}


def _po(state: State, po_id: int) -> PurchaseOrder:
    po = state.purchase_orders.get(po_id)
    if po is None:
        raise NotFound("unknown_purchase_order", f"no purchase order {po_code(po_id)}", field="po_id")
    return po


def _move(po: PurchaseOrder, to: str, state: State) -> None:
    if to not in PO_TRANSITIONS[po.status]:
        need = _NEEDS.get(to, f"a purchase order that can become {to}")
        raise IllegalTransition(
            "illegal_po_transition", f"{po_code(po.id)} is {po.status}; only {need} can become {to}", field="po_id"
        )
    po.status = to
    po.version += 1
    state.touch(po)


def _not_past(day: dt.date | None, ctx: ApplyContext) -> None:
    if day is not None and day < ctx.now.date():
        raise Invalid("expected_in_past", f"expected_at {day.isoformat()} is in the past", field="expected_at")


def _reads_po(op: ApprovePurchaseOrder | SendPurchaseOrder | SetPoExpected, reads: Reads) -> None:
    reads.po_ids.add(op.po_id)


# -- stock purchase orders -------------------------------------------------------------------------


def _reads_create(op: CreatePurchaseOrder, reads: Reads) -> None:
    reads.supplier_codes.add(op.supplier)
    reads.skus.update(line.sku for line in op.lines)


@registers(CreatePurchaseOrder, reads=_reads_create, roles=STAFF, device=False)
def apply_create_purchase_order(state: State, op: CreatePurchaseOrder, ctx: ApplyContext) -> dict[str, Any]:
    supplier = state.suppliers_by_code.get(op.supplier)
    if supplier is None:
        raise NotFound("unknown_supplier", f"no supplier {op.supplier!r}", field="supplier")
    _not_past(op.expected_at, ctx)
    products: list[Product] = []
    for i, line in enumerate(op.lines):
        product = state.products_by_sku.get(line.sku)
        if product is None:
            raise NotFound("unknown_sku", f"no product with SKU {line.sku!r}", field=f"lines[{i}].sku")
        if product.supplier is not None and product.supplier != supplier.id:
            raise Invalid(
                "other_supplier", f"{line.sku} is bought from another supplier, not {supplier.code}", field=f"lines[{i}].sku"
            )
        if any(p.id == product.id for p in products):
            raise Invalid(
                "duplicate_sku", f"SKU {line.sku!r} appears on two lines; put the total on one", field=f"lines[{i}].sku"
            )
        products.append(product)
    po = state.add(
        PurchaseOrder(
            id=state.temp_id(),
            supplier=supplier.id,
            warehouse=state.warehouse_id,
            kind="stock",
            status="draft",
            created_at=ctx.now,
            expected_at=op.expected_at,
            note=op.note,
        )
    )
    for n, (line, product) in enumerate(zip(op.lines, products, strict=True), start=1):
        state.add(PoLine(state.temp_id(), po.id, n, product.id, line.qty))
    return {"po_id": po.id}


@registers(ApprovePurchaseOrder, reads=_reads_po, roles=STAFF, device=False)
def apply_approve_purchase_order(state: State, op: ApprovePurchaseOrder, ctx: ApplyContext) -> dict[str, Any]:
    po = _po(state, op.po_id)
    _move(po, "approved", state)
    return {"po_id": po.id, "status": po.status}


@registers(SendPurchaseOrder, reads=_reads_po, roles=STAFF, device=False)
def apply_send_purchase_order(state: State, op: SendPurchaseOrder, ctx: ApplyContext) -> dict[str, Any]:
    po = _po(state, op.po_id)
    _not_past(op.expected_at, ctx)
    _move(po, "sent", state)
    po.sent_at = ctx.now
    if op.expected_at is not None:
        po.expected_at = op.expected_at
    elif po.expected_at is None or po.expected_at < ctx.now.date():
        lead = state.suppliers[po.supplier].lead_time_days if po.supplier in state.suppliers else 7
        po.expected_at = ctx.now.date() + dt.timedelta(days=lead)
    return {"po_id": po.id, "status": po.status, "expected_at": po.expected_at.isoformat()}


@registers(SetPoExpected, reads=_reads_po, roles=STAFF, device=False)
def apply_set_po_expected(state: State, op: SetPoExpected, ctx: ApplyContext) -> dict[str, Any]:
    po = _po(state, op.po_id)
    if po.status not in OPEN_PO_STATUSES:
        raise IllegalTransition(
            "po_not_open", f"{po_code(po.id)} is {po.status}; only an open purchase order has a date to move", field="po_id"
        )
    _not_past(op.expected_at, ctx)
    po.expected_at = op.expected_at
    po.version += 1
    state.touch(po)
    return {"po_id": po.id, "expected_at": op.expected_at.isoformat()}


def _reads_cancel(op: CancelPurchaseOrder, reads: Reads) -> None:
    reads.po_ids.add(op.po_id)


@registers(CancelPurchaseOrder, reads=_reads_cancel, roles=STAFF, device=False)
def apply_cancel_purchase_order(state: State, op: CancelPurchaseOrder, ctx: ApplyContext) -> dict[str, Any]:
    po = _po(state, op.po_id)
    order = state.orders.get(po.sales_order) if po.sales_order is not None else None
    if po.kind == "drop_ship" and order is not None and order.status != "cancelled" and po.status in OPEN_PO_STATUSES:
        # Its lines would be left with nobody to ship them: the order decides, and takes the PO with it.
        raise IllegalTransition(
            "drop_ship_order_live",
            f"{po_code(po.id)} ships order {order.external_ref} to its customer; cancel the order instead "
            "(its drop-ship purchase order is cancelled with it)",
            field="po_id",
        )
    if any(line.qty_received for line in state.lines_of_po(po.id)):
        raise IllegalTransition(
            "po_partly_received", f"{po_code(po.id)} has units received already; it cannot be cancelled", field="po_id"
        )
    _move(po, "cancelled", state)
    po.closed_at = ctx.now
    if op.reason:
        po.note = _noted(po.note, f"cancelled: {op.reason}")
    return {"po_id": po.id, "status": po.status}


def _noted(note: str, more: str) -> str:
    return f"{note}\n{more}" if note else more


# -- drop-ship -------------------------------------------------------------------------------------


def open_drop_ships(state: State, ctx: ApplyContext, order: Order) -> list[int]:
    """A paid order's drop-ship lines not yet on a purchase order become one draft drop-ship PO per
    supplier. Returns the new purchase orders' ids."""
    on_po = {line.order_line for line in state.po_lines.values() if line.order_line is not None}
    by_supplier: dict[int, list[Line]] = {}
    for line in state.lines_of(order.id):
        if line.drop_ship and line.status == "drop_ship" and line.id not in on_po:
            supplier = state.products[line.product].supplier
            if supplier is None:  # intake refuses these; a supplier removed since then: a person decides
                ctx.flag(
                    "drop_ship",
                    "drop_ship_no_supplier",
                    f"order {order.external_ref} line {line.line_no}: {state.products[line.product].sku} has no "
                    "supplier to drop-ship it",
                    sales_order=order.id,
                    order_line=line.id,
                )
                continue
            by_supplier.setdefault(supplier, []).append(line)
    made = []
    for supplier, lines in sorted(by_supplier.items()):
        po = state.add(
            PurchaseOrder(
                id=state.temp_id(),
                supplier=supplier,
                warehouse=order.warehouse,
                kind="drop_ship",
                status="draft",
                created_at=ctx.now,
                sales_order=order.id,
            )
        )
        for n, line in enumerate(lines, start=1):
            state.add(PoLine(state.temp_id(), po.id, n, line.product, line.qty, order_line=line.id))
        made.append(po.id)
    return made


def cancel_drop_ships(state: State, ctx: ApplyContext, order: Order) -> None:
    """The order was cancelled: its drop-ship POs not yet sent are cancelled; one the supplier already
    has is flagged for a supervisor (call the supplier, or arrange the return)."""
    for po in sorted(state.purchase_orders.values(), key=lambda p: p.id):
        if po.sales_order != order.id or po.kind != "drop_ship" or po.status not in OPEN_PO_STATUSES:
            continue
        if po.status in ("draft", "approved"):
            _move(po, "cancelled", state)
            po.closed_at = ctx.now
            po.note = _noted(po.note, f"cancelled with order {order.external_ref}")
            continue
        supplier = state.suppliers.get(po.supplier)
        name = supplier.name if supplier else "the supplier"
        ctx.flag(
            "drop_ship",
            "drop_ship_already_sent",
            f"order {order.external_ref} was cancelled, but {po_code(po.id)} was already sent to {name}: ask them "
            "not to ship it (or arrange a return), then cancel or close the purchase order",
            sales_order=order.id,
        )


def _reads_close(op: CloseDropShip, reads: Reads) -> None:
    reads.po_ids.add(op.po_id)


@registers(CloseDropShip, reads=_reads_close, roles=STAFF, device=False)
def apply_close_drop_ship(state: State, op: CloseDropShip, ctx: ApplyContext) -> dict[str, Any]:
    po = _po(state, op.po_id)
    if po.kind != "drop_ship":
        raise Invalid("not_drop_ship", f"{po_code(po.id)} is a stock purchase order: receive it instead", field="po_id")
    if po.status == "closed" and po.tracking_number == op.tracking_number:
        return {"po_id": po.id, "status": po.status, "duplicate": True}
    if po.status == "draft":
        raise IllegalTransition(
            "illegal_po_transition", f"{po_code(po.id)} is a draft; approve and send it before entering tracking", field="po_id"
        )
    _move(po, "closed", state)
    po.tracking_number = op.tracking_number
    po.closed_at = ctx.now
    po.note = _noted(po.note, f"shipped with {op.carrier}, tracking {op.tracking_number}")
    supplier = state.suppliers.get(po.supplier)
    name = supplier.name if supplier else "the supplier"
    order = state.orders[po.sales_order] if po.sales_order is not None else None
    ctx.about(sales_order=po.sales_order)
    shipped = 0
    for po_line in state.lines_of_po(po.id):
        line = state.lines.get(po_line.order_line) if po_line.order_line is not None else None
        if line is not None and line.status == "drop_ship":
            line.status = "shipped"
            state.touch(line)
            shipped += line.qty
    if order is not None:
        if order.status == "cancelled":
            ctx.adjust(
                "order_cancelled",
                f"order {order.external_ref} was cancelled, but {name} shipped {po_code(po.id)} "
                f"(tracking {op.tracking_number}): arrange a return with the customer",
            )
        elif not supplier_pending(state.lines_of(order.id)):
            # Nothing else of it is left in the building: all drop-ship, or its own packages already out.
            own_out = order.status == "packed" and all(p.status != "open" for p in state.packages_of(order.id))
            if order.status == "awaiting_supplier" or own_out:
                set_status(
                    state, order, "shipped", ctx.now, ctx.ledger_id, note=f"shipped by {name}, tracking {op.tracking_number}"
                )
    return {"po_id": po.id, "status": po.status, "units_shipped": shipped, "duplicate": False}
