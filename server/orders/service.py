"""Reading orders with their lines and timeline."""

from __future__ import annotations

from server.db import Database, Tx, record_to
from server.orders.schemas import AddressOut, CustomerOut, EventOut, LineOut, OrderOut, OrderSummary, TimelineStep
from server.orders.timeline import order_timeline


async def get_order(db: Database, order_id: int) -> OrderOut | None:
    async with db.read() as tx:
        return await read_order(tx, order_id)


async def get_timeline(db: Database, order_id: int) -> list[TimelineStep] | None:
    async with db.read() as tx:
        return await order_timeline(tx, order_id)


async def read_order(tx: Tx, order_id: int) -> OrderOut | None:
    o = await tx.fetchrow(
        "SELECT o.id, c.code AS channel, o.external_ref, o.status, o.payment_status, o.tracking_token, o.created_at, "
        "cu.name, cu.email, cu.phone, a.line1, a.line2, a.city, a.postcode, a.region, a.country "
        "FROM sales_order o JOIN channel c ON c.id = o.channel JOIN customer cu ON cu.id = o.customer "
        "JOIN address a ON a.id = o.ship_to WHERE o.id = ?",
        order_id,
    )
    if o is None:
        return None
    lines = await tx.fetch(
        "SELECT l.id, l.line_no, p.sku, p.name, l.qty, l.qty_allocated, l.qty_picked, l.status "
        "FROM order_line l JOIN product p ON p.id = l.product WHERE l.sales_order = ? ORDER BY l.line_no",
        order_id,
    )
    events = await tx.fetch("SELECT status, at, note FROM order_event WHERE sales_order = ? ORDER BY id", order_id)
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
        lines=[record_to(LineOut, r) for r in lines],
        timeline=[EventOut(e["status"], e["at"], e["note"]) for e in events],
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
