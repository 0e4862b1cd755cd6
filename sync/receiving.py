"""Goods in against a purchase order: what a receipt counts on the PO, and closing a receipt.

The physical world wins: units a receiver scanned into a bin are booked whatever the PO says (see
`sync.stock.apply_receive`); the PO only keeps count. A SKU the PO does not order, more units than
ordered, or a PO that is not out with the supplier make the receipt `adjusted`, and a supervisor
sees it. Closing a receipt flags every line still short; the PO stays open for the rest (the
supplier's back-order) until a supervisor closes it.
"""

from __future__ import annotations

from typing import Any

from .context import ApplyContext
from .errors import NotFound
from .model import PoLine, Product, PurchaseOrder, State, po_code
from .ops import CloseReceipt
from .reads import Reads
from .registry import STAFF, registers

# Where a stock PO can be received against: out with the supplier, arriving, or arrived in full
# (a late scan of a complete PO is still counted, as an over-receipt).
RECEIVABLE = frozenset({"sent", "receiving", "received"})
FLOOR_RECEIVERS = STAFF | {"picker", "packer"}  # floor staff unload the trucks too


def po_named(state: State, po_id: int, field: str = "po") -> PurchaseOrder:
    po = state.purchase_orders.get(po_id)
    if po is None:
        raise NotFound("unknown_po", f"no purchase order {po_code(po_id)}", field=field)
    return po


def _units(n: int, sku: str) -> str:
    return f"{n} × {sku}"


def count_on_po(state: State, ctx: ApplyContext, po: PurchaseOrder, product: Product, qty: int, into: str) -> dict[str, Any]:
    """Count `qty` received units of `product` on the PO's lines (the units are booked by the caller).
    Oldest line first; what no line still needs goes on the last line of that SKU as an over-receipt."""
    code = po_code(po.id)
    if po.kind != "stock" or po.status not in RECEIVABLE:
        what = "a drop-ship the supplier sends to the customer" if po.kind != "stock" else po.status
        ctx.adjust(
            "po_not_open",
            f"{code} is {what}, not out for delivery here: {_units(qty, product.sku)} were booked into {into} "
            "and not counted on it.",
        )
        return {"po": po.id, "po_status": po.status}
    lines = [line for line in state.lines_of_po(po.id) if line.product == product.id]
    if not lines:
        ctx.adjust(
            "not_on_po",
            f"{product.sku} is not on {code}: {_units(qty, product.sku)} were booked into {into}; "
            "check the delivery with the supplier.",
        )
        _advance(state, po)
        return {"po": po.id, "po_status": po.status}
    left = qty
    for line in lines:
        fill = min(left, max(line.qty_ordered - line.qty_received, 0))
        line.qty_received += fill
        left -= fill
        state.touch(line)
    if left:
        lines[-1].qty_received += left
        ordered = sum(line.qty_ordered for line in lines)
        received = sum(line.qty_received for line in lines)
        ctx.adjust(
            "over_receipt",
            f"{code} ordered {ordered} × {product.sku}, {received} are received now ({left} more than ordered); "
            f"all were booked into {into}.",
        )
    _advance(state, po)
    return {
        "po": po.id,
        "po_status": po.status,
        "ordered": sum(line.qty_ordered for line in lines),
        "po_received": sum(line.qty_received for line in lines),
        "over": left,
    }


def _advance(state: State, po: PurchaseOrder) -> None:
    """sent → receiving on the first unit, → received when every line has what it ordered. The PO is
    touched either way: its version moves, so the receivers' phones pull the new counts."""
    if all(line.qty_received >= line.qty_ordered for line in state.lines_of_po(po.id)):
        po.status = "received"
    elif po.status == "sent":
        po.status = "receiving"
    state.touch(po)


def shortfall(state: State, po: PurchaseOrder) -> list[tuple[PoLine, int]]:
    """The PO's lines still short of what was ordered, with the missing units."""
    return [
        (line, line.qty_ordered - line.qty_received) for line in state.lines_of_po(po.id) if line.qty_received < line.qty_ordered
    ]


def _reads_close_receipt(op: CloseReceipt, reads: Reads) -> None:
    reads.po_ids.add(op.po)


@registers(CloseReceipt, reads=_reads_close_receipt, roles=FLOOR_RECEIVERS, device=True)
def apply_close_receipt(state: State, op: CloseReceipt, ctx: ApplyContext) -> dict[str, Any]:
    """Flag each line still short (`under_receipt`, naming the missing units); the PO stays open for
    the rest until a supervisor closes it. A PO no longer open has nothing left to flag."""
    po = po_named(state, op.po)
    code = po_code(po.id)
    short = shortfall(state, po) if po.kind == "stock" and po.status in ("sent", "receiving") else []
    note = f" (delivery note {op.reference})" if op.reference else ""
    for line, missing in short:
        product = state.products.get(line.product)
        sku = product.sku if product is not None else f"product {line.product}"
        ctx.flag(
            "receipt_discrepancy",
            "under_receipt",
            f"{code}{note}: {missing} × {sku} missing — {line.qty_received} of {line.qty_ordered} received. "
            f"{code} stays open for the rest until a supervisor closes it.",
            product=line.product,
            qty=missing,
        )
    products = state.products
    return {
        "po": po.id,
        "po_status": po.status,
        "short": [
            {"sku": products[line.product].sku if line.product in products else "", "missing": missing} for line, missing in short
        ],
    }
