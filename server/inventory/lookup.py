"""Stock at a glance: a scanned or typed code → what is where, reserved and on its way back; low stock.

The code means what a scan means everywhere else (server/scan/service.py: a location code, a barcode
as printed, a GTIN inside GS1 data, a SKU). An item answers with every bin holding it; a bin with
every item in it. Each is a handful of queries whatever the size of the warehouse.
"""

from __future__ import annotations

from collections import defaultdict

from server.db import Database, Tx
from server.errors import DomainError
from server.inventory.schemas import (
    BinStock,
    ItemStock,
    LowStock,
    PendingReceipt,
    Returning,
    StockLookup,
    StockPlace,
    Totals,
)
from server.scan.service import resolve

# Units a floor task carries back towards a shelf (a put-away of a surplus or of a cancelled order's units).
_RETURNING_KINDS = ("put_away", "return_to_stock")
_PLACES = (
    "SELECT l.code AS location, l.kind AS location_kind, l.zone, p.sku, p.name, s.lot, s.expiry, s.on_hand, s.reserved "
    "FROM stock s JOIN location l ON l.id = s.location JOIN product p ON p.id = s.product "
)
_TASKS = (
    "SELECT f.id, f.kind, p.sku, f.qty, f.tote, f.lot, l.code AS location, f.note FROM floor_task f "
    "JOIN product p ON p.id = f.product LEFT JOIN location l ON l.id = f.location "
    "WHERE f.status = 'open' AND f.qty > 0 AND "
)
# Units ordered but not yet covered by stock: lines still waiting (backordered or partly allocated)
# on orders that are not cancelled.
_BACKORDERED = (
    "SELECT ol.product, SUM(ol.qty - ol.qty_allocated) AS units FROM order_line ol "
    "JOIN sales_order o ON o.id = ol.sales_order "
    "WHERE ol.status IN ('backordered', 'partially_allocated') AND o.status <> 'cancelled' "
)


def _place(row) -> StockPlace:
    return StockPlace(
        location=row["location"],
        location_kind=row["location_kind"],
        zone=row["zone"],
        sku=row["sku"],
        name=row["name"],
        lot=row["lot"],
        expiry=row["expiry"],
        on_hand=row["on_hand"],
        reserved=row["reserved"],
        available=row["on_hand"] - row["reserved"],
    )


def _totals(places: list[StockPlace]) -> Totals:
    on_hand = sum(p.on_hand for p in places)
    reserved = sum(p.reserved for p in places)
    return Totals(on_hand, reserved, on_hand - reserved)


def _returning(rows) -> list[Returning]:
    return [Returning(r["id"], r["kind"], r["sku"], r["qty"], r["tote"], r["location"], r["note"]) for r in rows]


async def lookup(db: Database, q: str, company_prefix: str) -> StockLookup:
    """The item or bin `q` names, with its stock; 404 naming `q` when it names neither."""
    scan = await resolve(db, q, company_prefix)
    async with db.read() as tx:
        if scan.kind == "location" and scan.location is not None:
            return StockLookup(q=q, kind="bin", bin=await _bin(tx, scan.location.code))
        if scan.kind == "product" and scan.product is not None:
            return StockLookup(q=q, kind="item", item=await _item(tx, scan.product.sku), lot=scan.lot)
    found = (
        f"is {'an' if scan.kind == 'order' else 'a'} {scan.kind}, not"
        if scan.kind in ("order", "package", "tote")
        else "names no"
    )
    why = f" ({scan.error})" if scan.error else ""
    raise DomainError(
        "unknown_code",
        f"{q!r} {found} item or bin{why}: scan or type a SKU, a product barcode or a bin code",
        field="q",
        status=404,
    )


async def _item(tx: Tx, sku: str) -> ItemStock:
    product = await tx.fetchrow("SELECT id, sku, name, reorder_point FROM product WHERE sku = ?", sku)
    places = [
        _place(r)
        for r in await tx.fetch(_PLACES + "WHERE s.product = ? ORDER BY l.path_seq, l.code, s.lot", product["id"])
        if r["on_hand"] or r["reserved"]
    ]
    barcodes = [r["code"] for r in await tx.fetch("SELECT code FROM barcode WHERE product = ? ORDER BY id", product["id"])]
    backordered = await tx.fetchval(_BACKORDERED + "AND ol.product = ? GROUP BY ol.product", product["id"]) or 0
    tasks = await tx.fetch(
        _TASKS + f"f.product = ? AND f.kind IN ({', '.join('?' * len(_RETURNING_KINDS))}) ORDER BY f.id",
        product["id"],
        *_RETURNING_KINDS,
    )
    receipts = await tx.fetch(_TASKS + "f.product = ? AND f.kind = 'approve_receipt' ORDER BY f.id", product["id"])
    totals = _totals(places)
    returning = _returning(tasks)
    return ItemStock(
        sku=product["sku"],
        name=product["name"],
        barcodes=barcodes,
        reorder_point=product["reorder_point"],
        low=product["reorder_point"] > 0 and totals.on_hand <= product["reorder_point"],
        totals=totals,
        places=places,
        backordered=int(backordered),
        on_the_way_back=sum(r.qty for r in returning),
        returning=returning,
        receipts_awaiting_approval=[
            PendingReceipt(r["id"], r["sku"], r["location"], r["lot"], r["qty"], r["note"]) for r in receipts
        ],
    )


async def _bin(tx: Tx, code: str) -> BinStock:
    location = await tx.fetchrow("SELECT id, code, kind, zone FROM location WHERE code = ? ORDER BY id LIMIT 1", code)
    places = [
        _place(r)
        for r in await tx.fetch(_PLACES + "WHERE s.location = ? ORDER BY p.sku, s.lot", location["id"])
        if r["on_hand"] or r["reserved"]
    ]
    # Put-aways name the bin only once someone chose where the units go; those are shown here.
    tasks = await tx.fetch(
        _TASKS + f"f.location = ? AND f.kind IN ({', '.join('?' * len(_RETURNING_KINDS))}) ORDER BY f.id",
        location["id"],
        *_RETURNING_KINDS,
    )
    return BinStock(
        code=location["code"],
        kind=location["kind"],
        zone=location["zone"],
        totals=_totals(places),
        items=places,
        returning=_returning(tasks),
    )


async def low_stock(db: Database) -> list[LowStock]:
    """Products with a reorder point whose units on hand (all locations) are at or below it; most urgent
    first: the fewest units free for new orders (available less backordered) against the reorder point."""
    async with db.read() as tx:
        rows = await tx.fetch(
            "SELECT p.id, p.sku, p.name, p.reorder_point, COALESCE(SUM(s.on_hand), 0) AS on_hand, "
            "COALESCE(SUM(s.reserved), 0) AS reserved FROM product p LEFT JOIN stock s ON s.product = p.id "
            "WHERE p.reorder_point > 0 AND p.active = ? GROUP BY p.id, p.sku, p.name, p.reorder_point "
            "HAVING COALESCE(SUM(s.on_hand), 0) <= p.reorder_point",
            True,
        )
        backordered: dict[int, int] = defaultdict(int)
        for r in await tx.fetch(_BACKORDERED + "GROUP BY ol.product"):
            backordered[r["product"]] = int(r["units"])
    low = [
        LowStock(
            sku=r["sku"],
            name=r["name"],
            reorder_point=r["reorder_point"],
            on_hand=int(r["on_hand"]),
            reserved=int(r["reserved"]),
            available=int(r["on_hand"]) - int(r["reserved"]),
            backordered=backordered[r["id"]],
        )
        for r in rows
    ]
    return sorted(low, key=lambda s: (s.available - s.backordered - s.reorder_point, s.sku))
