"""Purchase orders at the door: read set-based for a pull or a REST answer, with put-away suggestions.

The suggestion for a line (docs/receiving.md): the bins of the PO's warehouse where the SKU already
lies, nearest the start of the picking walk first; for a SKU the warehouse does not hold yet, the
empty bin nearest the pack bench, where the walk starts (the lowest `path_seq`), a different one for
each such SKU in the answer, so two new items are not sent to the same bin.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from server.db import in_list
from server.receiving.schemas import Receipt, ReceiptLine
from sync.model import po_code

# A PO the floor receives against: out with the supplier or partly delivered (stock, not drop-ship).
OPEN_FOR_RECEIVING = ("sent", "receiving")
SUGGESTIONS = 3  # bins suggested per line at most

_PO_SQL = (
    "SELECT po.id, po.status, po.kind, po.warehouse, po.expected_at, s.code AS supplier_code, s.name AS supplier "
    "FROM purchase_order po JOIN supplier s ON s.id = po.supplier"
)
_LINE_SQL = (
    "SELECT pl.id, pl.purchase_order, pl.line_no, pl.product, pl.qty_ordered, pl.qty_received, p.sku, p.name "
    "FROM po_line pl JOIN product p ON p.id = pl.product WHERE pl.purchase_order IN {marks} ORDER BY pl.purchase_order, pl.line_no"
)


async def open_receipts(tx) -> list:
    """Records of every stock PO open for receiving, oldest first (uses the status index)."""
    return await tx.fetch(
        _PO_SQL + f" WHERE po.status IN {in_list(OPEN_FOR_RECEIVING)} AND po.kind = 'stock' ORDER BY po.id", *OPEN_FOR_RECEIVING
    )


async def changed_receipts(tx, since: int) -> list:
    """Records of stock POs changed since a cursor (uses the version index), in scope or not: the caller
    tombstones those that left it. Drafts being written are nobody's business on the floor yet."""
    return await tx.fetch(
        _PO_SQL + " WHERE po.version > ? AND po.kind = 'stock' AND po.status NOT IN ('draft', 'approved') ORDER BY po.id", since
    )


async def receipt_by_id(tx, po_id: int) -> list:
    return await tx.fetch(_PO_SQL + " WHERE po.id = ?", po_id)


def in_scope(record) -> bool:
    return record["kind"] == "stock" and record["status"] in OPEN_FOR_RECEIVING


async def receipts(tx, pos: list) -> list[Receipt]:
    """The POs with their lines, barcodes, lot tracking and put-away suggestions: five queries whatever the count."""
    if not pos:
        return []
    ids = [r["id"] for r in pos]
    lines = await tx.fetch(_LINE_SQL.format(marks=in_list(ids)), *ids)
    products = sorted({r["product"] for r in lines})
    barcodes: dict[int, list[str]] = defaultdict(list)
    gtins: dict[int, list[str]] = defaultdict(list)
    lot_tracked: set[int] = set()
    homes: dict[tuple[int, int], list[str]] = defaultdict(list)  # (warehouse, product) → bins holding it
    if products:
        marks = in_list(products)
        for b in await tx.fetch(f"SELECT product, code, gtin FROM barcode WHERE product IN {marks} ORDER BY id", *products):
            barcodes[b["product"]].append(b["code"])
            if b["gtin"]:
                gtins[b["product"]].append(b["gtin"])
        lot_tracked = {
            r["product"]
            for r in await tx.fetch(f"SELECT DISTINCT product FROM stock WHERE product IN {marks} AND lot <> ''", *products)
        }
        for r in await tx.fetch(
            "SELECT s.product, l.warehouse, l.code FROM stock s JOIN location l ON l.id = s.location "
            f"WHERE s.product IN {marks} AND s.on_hand > 0 AND l.kind = 'bin' ORDER BY l.path_seq, l.code",
            *products,
        ):
            bins = homes[(r["warehouse"], r["product"])]
            if r["code"] not in bins:
                bins.append(r["code"])
    warehouse_of = {r["id"]: r["warehouse"] for r in pos}
    homeless = {(warehouse_of[r["purchase_order"]], r["product"]) for r in lines} - set(homes)
    empty = await _empty_bins(tx, homeless)
    by_po: dict[int, list[ReceiptLine]] = defaultdict(list)
    for r in lines:
        key = (warehouse_of[r["purchase_order"]], r["product"])
        by_po[r["purchase_order"]].append(
            ReceiptLine(
                id=r["id"],
                line_no=r["line_no"],
                sku=r["sku"],
                name=r["name"],
                barcodes=barcodes[r["product"]],
                gtins=gtins[r["product"]],
                qty_ordered=r["qty_ordered"],
                qty_received=r["qty_received"],
                lot_tracked=r["product"] in lot_tracked,
                put_away=homes[key][:SUGGESTIONS] if key in homes else empty.get(key, []),
            )
        )
    return [
        Receipt(
            id=r["id"],
            code=po_code(r["id"]),
            status=r["status"],
            supplier=r["supplier"],
            supplier_code=r["supplier_code"],
            expected_at=None if r["expected_at"] is None else _date(r["expected_at"]),
            lines=by_po[r["id"]],
        )
        for r in pos
    ]


async def _empty_bins(tx, homeless: set[tuple[int, int]]) -> dict[tuple[int, int], list[str]]:
    """For each (warehouse, product) with no bin yet: one empty bin of its own, nearest the pack bench."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for warehouse, product in sorted(homeless):
        wanted[warehouse].append(product)
    out: dict[tuple[int, int], list[str]] = {}
    for warehouse, products in wanted.items():
        rows = await tx.fetch(
            "SELECT l.code FROM location l WHERE l.warehouse = ? AND l.kind = 'bin' "
            "AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.location = l.id AND (s.on_hand > 0 OR s.reserved > 0)) "
            f"ORDER BY l.path_seq, l.code LIMIT {len(products)}",
            warehouse,
        )
        for product, row in zip(products, rows, strict=False):
            out[(warehouse, product)] = [row["code"]]
    return out


def _date(value):
    """DATE columns come back as a date (PostgreSQL) or an ISO string (SQLite)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def pulled(tx, since: int, reset: bool) -> tuple[list[Receipt], list[int]]:
    """A floor phone's `receipts` list: the open POs (snapshot), or those changed since the cursor with
    the ids of those that left the floor's scope (received, closed, cancelled) to tombstone."""
    if reset:
        return await receipts(tx, await open_receipts(tx)), []
    changed = await changed_receipts(tx, since)
    return await receipts(tx, [r for r in changed if in_scope(r)]), [r["id"] for r in changed if not in_scope(r)]


async def not_bins(tx) -> list[str]:
    """Codes of locations that are no bins (docks, staging, returns): the phone refuses them for put-away."""
    return [r["code"] for r in await tx.fetch("SELECT code FROM location WHERE kind <> 'bin' ORDER BY code")]
