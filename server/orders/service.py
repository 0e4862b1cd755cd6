"""Reading orders with their lines and timeline."""

from __future__ import annotations

from typing import Literal

from server.db import Database, Tx, record_to
from server.orders.schemas import (
    AddressOut,
    AllocationOut,
    CustomerOut,
    EventOut,
    IncomingOut,
    LineOut,
    OrderOut,
    OrderSummary,
    PackageOut,
    TimelineStep,
)
from server.orders.timeline import order_timeline
from server.purchasing.service import incoming_for_order
from sync.model import po_code


async def get_order(db: Database, order_id: int) -> OrderOut | None:
    async with db.read() as tx:
        return await read_order(tx, order_id)


async def get_timeline(db: Database, order_id: int) -> list[TimelineStep] | None:
    async with db.read() as tx:
        return await order_timeline(tx, order_id)


async def read_order(tx: Tx, order_id: int) -> OrderOut | None:
    o = await tx.fetchrow(
        "SELECT o.id, c.code AS channel, o.external_ref, o.status, o.payment_status, o.tracking_token, o.created_at, "
        "o.promised_at, cu.name, cu.email, cu.phone, a.line1, a.line2, a.city, a.postcode, a.region, a.country "
        "FROM sales_order o JOIN channel c ON c.id = o.channel JOIN customer cu ON cu.id = o.customer "
        "JOIN address a ON a.id = o.ship_to WHERE o.id = ?",
        order_id,
    )
    if o is None:
        return None
    lines = await tx.fetch(
        "SELECT l.id, l.line_no, p.sku, p.name, l.qty, l.qty_allocated, l.qty_picked, l.status, l.totes, l.drop_ship "
        "FROM order_line l JOIN product p ON p.id = l.product WHERE l.sales_order = ? ORDER BY l.line_no",
        order_id,
    )
    held = await tx.fetch(
        "SELECT r.order_line, loc.code, loc.zone, s.lot, r.qty FROM reservation r JOIN order_line l ON l.id = r.order_line "
        "JOIN stock s ON s.id = r.stock JOIN location loc ON loc.id = s.location WHERE l.sales_order = ? "
        "ORDER BY loc.path_seq, loc.code, s.lot",
        order_id,
    )
    allocation: dict[int, list[AllocationOut]] = {}
    for r in held:
        allocation.setdefault(r["order_line"], []).append(AllocationOut(r["code"], r["zone"], r["lot"], r["qty"]))
    packages = await tx.fetch(
        "SELECT code, package_type, weight_g, status, sealed_at, carrier, tracking_number FROM package "
        "WHERE sales_order = ? ORDER BY id",
        order_id,
    )
    events = await tx.fetch("SELECT status, at, note FROM order_event WHERE sales_order = ? ORDER BY id", order_id)
    incoming: dict[int, list[IncomingOut]] = {}
    for coming in await incoming_for_order(tx, order_id):
        code = po_code(coming.po_id) if coming.po_id is not None else None
        incoming.setdefault(coming.line_id, []).append(IncomingOut(coming.qty, code, coming.expected_at))
    hold: Literal["payment", "supervisor"] | None = None
    hold_reason = ""
    if o["status"] == "on_hold":
        # Intake holds an unpaid order; a supervisor's hold needs a paid one (sync/holds.py).
        hold = "payment" if o["payment_status"] == "pending" else "supervisor"
        hold_reason = next((e["note"] for e in reversed(events) if e["status"] == "on_hold"), "")
    return OrderOut(
        id=o["id"],
        channel=o["channel"],
        external_ref=o["external_ref"],
        status=o["status"],
        payment_status=o["payment_status"],
        tracking_token=o["tracking_token"],
        created_at=o["created_at"],
        customer=CustomerOut(o["name"], o["email"], o["phone"]),
        ship_to=AddressOut(o["line1"], o["line2"], o["city"], o["postcode"], o["region"], o["country"]),
        lines=[
            LineOut(
                id=r["id"],
                line_no=r["line_no"],
                sku=r["sku"],
                name=r["name"],
                qty=r["qty"],
                qty_allocated=r["qty_allocated"],
                qty_picked=r["qty_picked"],
                status=r["status"],
                allocation=allocation.get(r["id"], []),
                totes=[t for t in (r["totes"] or "").split(",") if t],
                drop_ship=bool(r["drop_ship"]),
                incoming=incoming.get(r["id"], []),
            )
            for r in lines
        ],
        timeline=[EventOut(e["status"], e["at"], e["note"]) for e in events],
        promised_at=o["promised_at"],
        hold=hold,
        hold_reason=hold_reason,
        packages=[
            PackageOut(
                code=p["code"],
                package_type=p["package_type"],
                weight_g=p["weight_g"],
                status=p["status"],
                sealed=p["sealed_at"] is not None,
                carrier=p["carrier"],
                tracking_number=p["tracking_number"],
            )
            for p in packages
        ],
    )


async def list_orders(db: Database, status: str | None, limit: int) -> list[OrderSummary]:
    sql = (
        "SELECT o.id, c.code AS channel, o.external_ref, o.status, o.payment_status, cu.name AS customer, o.created_at, "
        "COUNT(l.id) AS lines, COALESCE(SUM(l.qty), 0) AS units FROM sales_order o "
        "JOIN channel c ON c.id = o.channel JOIN customer cu ON cu.id = o.customer "
        "LEFT JOIN order_line l ON l.sales_order = o.id"
    )
    args: list = []
    if status:
        sql += " WHERE o.status = ?"
        args.append(status)
    sql += " GROUP BY o.id, c.code, o.external_ref, o.status, o.payment_status, cu.name, o.created_at ORDER BY o.id DESC LIMIT ?"
    async with db.read() as tx:
        rows = await tx.fetch(sql, *args, limit)
    return [record_to(OrderSummary, r) for r in rows]
