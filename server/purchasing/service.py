"""Reading suppliers and purchase orders, the purchase proposal, and which open purchase order will
bring the units a waiting order lacks (and when). Suppliers are master data written here; purchase
orders change only through the engine (sync/purchasing.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import msgspec

from server.db import Database, Tx, in_list, stored_time
from server.errors import DomainError
from server.purchasing.schemas import (
    PoLineOut,
    ProposalLine,
    ProposalsOut,
    PurchaseOrderOut,
    SupplierIn,
    SupplierOut,
    SupplierProposal,
    SupplierUpdate,
)
from sync.model import po_code
from sync.orders import AWAITING_STOCK
from sync.purchasing import OPEN_PO_STATUSES, PO_TRANSITIONS

PO_STATUSES = tuple(PO_TRANSITIONS)
_OPEN = tuple(sorted(OPEN_PO_STATUSES))
_AWAITING = tuple(sorted(AWAITING_STOCK))
_WAITING_LINES = ("backordered", "partially_allocated")


def day(value) -> dt.date | None:
    """A stored DATE as a date (SQLite may hand back text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# -- suppliers -------------------------------------------------------------------------------------

_SUPPLIER_SQL = (
    "SELECT s.code, s.name, s.email, s.lead_time_days, (SELECT COUNT(*) FROM product p WHERE p.supplier = s.id) AS products "
    "FROM supplier s"
)


def _supplier(r) -> SupplierOut:
    return SupplierOut(r["code"], r["name"], r["email"], r["lead_time_days"], r["products"])


async def list_suppliers(db: Database) -> list[SupplierOut]:
    async with db.read() as tx:
        return [_supplier(r) for r in await tx.fetch(_SUPPLIER_SQL + " ORDER BY s.code")]


async def _one_supplier(tx: Tx, code: str) -> SupplierOut:
    r = await tx.fetchrow(_SUPPLIER_SQL + " WHERE s.code = ?", code)
    if r is None:
        raise DomainError("unknown_supplier", f"no supplier {code!r}", field="code", status=404)
    return _supplier(r)


async def create_supplier(db: Database, data: SupplierIn) -> SupplierOut:
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM supplier WHERE code = ?", data.code) is not None:
            raise DomainError("duplicate_supplier", f"a supplier with code {data.code!r} exists", field="code", status=409)
        await tx.execute(
            "INSERT INTO supplier (code, name, email, lead_time_days) VALUES (?, ?, ?, ?)",
            data.code,
            data.name.strip(),
            data.email,
            data.lead_time_days,
        )
        return await _one_supplier(tx, data.code)


async def update_supplier(db: Database, code: str, data: SupplierUpdate) -> SupplierOut:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
    async with db.write() as tx:
        await _one_supplier(tx, code)
        if changes:
            names = sorted(changes)
            await tx.execute(
                f"UPDATE supplier SET {', '.join(f'{n} = ?' for n in names)} WHERE code = ?", *(changes[n] for n in names), code
            )
        return await _one_supplier(tx, code)


# -- purchase orders -------------------------------------------------------------------------------

_PO_SQL = (
    "SELECT po.id, po.kind, po.status, po.created_at, po.expected_at, po.sent_at, po.closed_at, po.sales_order, "
    "po.tracking_number, po.note, s.code AS supplier, s.name AS supplier_name, s.email AS supplier_email, "
    "o.external_ref AS order_ref, a.line1, a.line2, a.postcode, a.city, a.country, cu.name AS customer "
    "FROM purchase_order po JOIN supplier s ON s.id = po.supplier LEFT JOIN sales_order o ON o.id = po.sales_order "
    "LEFT JOIN address a ON a.id = o.ship_to LEFT JOIN customer cu ON cu.id = o.customer"
)


async def _read_pos(tx: Tx, where: str, *args, limit: int = 200) -> list[PurchaseOrderOut]:
    rows = await tx.fetch(f"{_PO_SQL} {where} ORDER BY po.id DESC LIMIT ?", *args, limit)
    ids = [r["id"] for r in rows]
    lines: dict[int, list[PoLineOut]] = defaultdict(list)
    if ids:
        for r in await tx.fetch(
            "SELECT pl.purchase_order, pl.line_no, p.sku, p.name, pl.qty_ordered, pl.qty_received, pl.order_line "
            f"FROM po_line pl JOIN product p ON p.id = pl.product WHERE pl.purchase_order IN {in_list(ids)} "
            "ORDER BY pl.purchase_order, pl.line_no",
            *ids,
        ):
            lines[r["purchase_order"]].append(
                PoLineOut(r["line_no"], r["sku"], r["name"], r["qty_ordered"], r["qty_received"], r["order_line"])
            )
    out = []
    for r in rows:
        ship_to = ""
        if r["sales_order"] is not None:
            parts = [r["customer"], r["line1"], r["line2"], f"{r['postcode']} {r['city']}", r["country"]]
            ship_to = ", ".join(p for p in parts if p)
        out.append(
            PurchaseOrderOut(
                id=r["id"],
                code=po_code(r["id"]),
                supplier=r["supplier"],
                supplier_name=r["supplier_name"],
                supplier_email=r["supplier_email"],
                kind=r["kind"],
                status=r["status"],
                created_at=stored_time(r["created_at"]),
                lines=lines[r["id"]],
                units=sum(line.qty_ordered for line in lines[r["id"]]),
                expected_at=day(r["expected_at"]),
                sent_at=stored_time(r["sent_at"]),
                closed_at=stored_time(r["closed_at"]),
                sales_order=r["sales_order"],
                order_ref=r["order_ref"],
                ship_to=ship_to,
                tracking_number=r["tracking_number"],
                note=r["note"],
            )
        )
    return out


async def list_purchase_orders(
    db: Database, status: str | None = None, kind: str | None = None, limit: int = 200
) -> list[PurchaseOrderOut]:
    """Newest first, optionally of one status (`open`: every status still to arrive or ship) and kind."""
    where: list[str] = []
    args: list[object] = []
    if status == "open":
        where.append(f"po.status IN {in_list(_OPEN)}")
        args += _OPEN
    elif status is not None:
        where.append("po.status = ?")
        args.append(status)
    if kind is not None:
        where.append("po.kind = ?")
        args.append(kind)
    async with db.read() as tx:
        return await _read_pos(tx, ("WHERE " + " AND ".join(where)) if where else "", *args, limit=limit)


async def get_purchase_order(db: Database, po_id: int) -> PurchaseOrderOut | None:
    async with db.read() as tx:
        found = await _read_pos(tx, "WHERE po.id = ?", po_id, limit=1)
    return found[0] if found else None


# -- the proposal ------------------------------------------------------------------------------


async def _sums(tx: Tx, sql: str, *args) -> dict[int, int]:
    return {r[0]: int(r[1] or 0) for r in await tx.fetch(sql, *args)}


async def proposals(db: Database) -> ProposalsOut:
    """Per supplier, what to order: for each product, the backordered units that neither free stock
    nor open stock purchase orders cover, plus — when what it will have (available + on order −
    backordered) is at or below its reorder point — enough to reach reorder point + reorder qty."""
    async with db.read() as tx:
        backordered = await _sums(
            tx,
            "SELECT l.product, SUM(l.qty - l.qty_allocated) FROM order_line l JOIN sales_order o ON o.id = l.sales_order "
            f"WHERE l.status IN {in_list(_WAITING_LINES)} AND o.status IN {in_list(_AWAITING)} AND l.drop_ship = ? "
            "GROUP BY l.product",
            *_WAITING_LINES,
            *_AWAITING,
            False,
        )
        on_order = await _sums(
            tx,
            "SELECT pl.product, SUM(CASE WHEN pl.qty_ordered > pl.qty_received THEN pl.qty_ordered - pl.qty_received ELSE 0 END) "
            "FROM po_line pl JOIN purchase_order po ON po.id = pl.purchase_order "
            f"WHERE po.kind = 'stock' AND po.status IN {in_list(_OPEN)} GROUP BY pl.product",
            *_OPEN,
        )
        available = await _sums(tx, "SELECT product, SUM(on_hand - reserved) FROM stock GROUP BY product")
        products = await tx.fetch(
            "SELECT p.id, p.sku, p.name, p.reorder_point, p.reorder_qty, s.code, s.name AS supplier_name, s.lead_time_days "
            "FROM product p LEFT JOIN supplier s ON s.id = p.supplier WHERE p.active = ? ORDER BY p.sku",
            True,
        )
    by_supplier: dict[str, SupplierProposal] = {}
    without: list[ProposalLine] = []
    for p in products:
        waiting, coming, free = backordered.get(p["id"], 0), on_order.get(p["id"], 0), available.get(p["id"], 0)
        if not waiting and not p["reorder_point"]:
            continue
        for_backorders = max(0, waiting - coming - free)
        position = free + coming - waiting + for_backorders  # what it will have once these backorders are served
        for_stock = 0
        if p["reorder_point"] and position <= p["reorder_point"]:
            for_stock = max(0, p["reorder_point"] + p["reorder_qty"] - position)
        if not for_backorders and not for_stock:
            continue
        line = ProposalLine(
            sku=p["sku"],
            name=p["name"],
            qty=for_backorders + for_stock,
            for_backorders=for_backorders,
            for_stock=for_stock,
            backordered=waiting,
            available=free,
            on_order=coming,
            reorder_point=p["reorder_point"],
            reorder_qty=p["reorder_qty"],
        )
        if p["code"] is None:
            without.append(line)
            continue
        proposal = by_supplier.setdefault(p["code"], SupplierProposal(p["code"], p["supplier_name"], p["lead_time_days"], [], 0))
        proposal.lines.append(line)
        proposal.units += line.qty
    return ProposalsOut(sorted(by_supplier.values(), key=lambda s: s.supplier), without)


# -- what is coming for a waiting order ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Incoming:
    """Units a waiting line lacks that an open purchase order will bring (or none: `po_id` None)."""

    line_id: int
    sku: str
    qty: int
    po_id: int | None
    expected_at: dt.date | None
    since: dt.datetime | None  # when that purchase order was sent (or made)
    drop_ship: bool = False


_NO_PROMISE = dt.datetime.max.replace(tzinfo=dt.UTC)


async def incoming_for_order(tx: Tx, order_id: int) -> list[Incoming]:
    """For each unreserved unit of the order's waiting lines, the open stock purchase order that brings
    it, shared out the way arriving stock is (sync/allocation.py): the oldest promise first gets the
    earliest purchase order's units. Units no purchase order covers come back with `po_id` None. A
    drop-ship line comes back whole with its drop-ship purchase order."""
    mine = await tx.fetch(
        "SELECT l.id, l.product, l.qty, l.qty_allocated, l.status, l.drop_ship, p.sku, o.status AS order_status "
        "FROM order_line l JOIN product p ON p.id = l.product JOIN sales_order o ON o.id = l.sales_order "
        "WHERE l.sales_order = ? ORDER BY l.line_no",
        order_id,
    )
    out: list[Incoming] = []
    ships = [r for r in mine if r["drop_ship"] and r["status"] == "drop_ship"]
    if ships:
        ids = [r["id"] for r in ships]
        for r in await tx.fetch(
            "SELECT pl.order_line, po.id, po.expected_at, po.sent_at, po.created_at FROM po_line pl "
            f"JOIN purchase_order po ON po.id = pl.purchase_order WHERE pl.order_line IN {in_list(ids)} "
            f"AND po.status IN {in_list(_OPEN)}",
            *ids,
            *_OPEN,
        ):
            line = next(s for s in ships if s["id"] == r["order_line"])
            since = stored_time(r["sent_at"] or r["created_at"])
            out.append(Incoming(line["id"], line["sku"], line["qty"], r["id"], day(r["expected_at"]), since, drop_ship=True))
    waiting = [
        r
        for r in mine
        if not r["drop_ship"]
        and r["status"] in _WAITING_LINES
        and r["order_status"] in AWAITING_STOCK
        and r["qty"] > r["qty_allocated"]
    ]
    if not waiting:
        return out
    products = sorted({r["product"] for r in waiting})
    rivals = await tx.fetch(
        "SELECT l.id, l.product, l.line_no, l.qty - l.qty_allocated AS lacking, o.id AS order_id, o.promised_at "
        "FROM order_line l JOIN sales_order o ON o.id = l.sales_order "
        f"WHERE l.product IN {in_list(products)} AND l.status IN {in_list(_WAITING_LINES)} "
        f"AND o.status IN {in_list(_AWAITING)} AND l.drop_ship = ?",
        *products,
        *_WAITING_LINES,
        *_AWAITING,
        False,
    )
    supply = await tx.fetch(
        "SELECT pl.product, pl.qty_ordered - pl.qty_received AS left_, po.id, po.expected_at, po.sent_at, po.created_at "
        "FROM po_line pl JOIN purchase_order po ON po.id = pl.purchase_order "
        f"WHERE pl.product IN {in_list(products)} AND po.kind = 'stock' AND po.status IN {in_list(_OPEN)} "
        "AND pl.qty_ordered > pl.qty_received",
        *products,
        *_OPEN,
    )
    for product in products:
        queue = sorted(
            (r for r in rivals if r["product"] == product),
            key=lambda r: (stored_time(r["promised_at"]) or _NO_PROMISE, r["order_id"], r["line_no"]),
        )
        pos = sorted(
            (r for r in supply if r["product"] == product),
            key=lambda r: (day(r["expected_at"]) or dt.date.max, r["id"]),
        )
        remaining = [[r, r["left_"]] for r in pos]
        sku = next(r["sku"] for r in waiting if r["product"] == product)
        for rival in queue:
            need = rival["lacking"]
            ours = any(r["id"] == rival["id"] for r in waiting)
            for entry in remaining:
                if need <= 0:
                    break
                take = min(need, entry[1])
                if take <= 0:
                    continue
                entry[1] -= take
                need -= take
                if ours:
                    po = entry[0]
                    since = stored_time(po["sent_at"] or po["created_at"])
                    out.append(Incoming(rival["id"], sku, take, po["id"], day(po["expected_at"]), since))
            if ours and need > 0:
                out.append(Incoming(rival["id"], sku, need, None, None, None))
    return out
