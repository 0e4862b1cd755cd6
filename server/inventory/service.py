"""Locations (master data) and stock queries."""

from __future__ import annotations

from server.catalog.service import next_catalog_rev
from server.db import Database, stored_time
from server.errors import DomainError
from server.inventory.schemas import LocationHistory, LocationIn, LocationOut, Movement, StockOut


async def create_location(db: Database, data: LocationIn) -> LocationOut:
    async with db.write() as tx:
        warehouse = await tx.fetchval("SELECT id FROM warehouse ORDER BY id LIMIT 1")
        if await tx.fetchval("SELECT id FROM location WHERE warehouse = ? AND code = ?", warehouse, data.code) is not None:
            raise DomainError("duplicate_location", f"location {data.code!r} exists", field="code", status=409)
        await tx.execute(
            "INSERT INTO location (warehouse, code, kind, zone, path_seq, rev) VALUES (?, ?, ?, ?, ?, ?)",
            warehouse,
            data.code,
            data.kind,
            data.zone,
            data.path_seq,
            await next_catalog_rev(tx),
        )
        row = await tx.fetchrow(
            "SELECT id, code, kind, zone, path_seq FROM location WHERE warehouse = ? AND code = ?", warehouse, data.code
        )
    return LocationOut(row["id"], row["code"], row["kind"], row["zone"], row["path_seq"])


async def list_locations(db: Database, kind: str | None = None) -> list[LocationOut]:
    sql = "SELECT id, code, kind, zone, path_seq FROM location"
    args = []
    if kind:
        sql += " WHERE kind = ?"
        args.append(kind)
    async with db.read() as tx:
        rows = await tx.fetch(sql + " ORDER BY path_seq, code", *args)
    return [LocationOut(r["id"], r["code"], r["kind"], r["zone"], r["path_seq"]) for r in rows]


async def find_stock(
    db: Database, sku: str | None = None, location: str | None = None, stock_id: int | None = None
) -> list[StockOut]:
    where, args = [], []
    for clause, value in (("p.sku = ?", sku), ("l.code = ?", location), ("s.id = ?", stock_id)):
        if value is not None:
            where.append(clause)
            args.append(value)
    sql = (
        "SELECT l.code AS location, p.sku, s.lot, s.expiry, s.on_hand, s.reserved FROM stock s "
        "JOIN location l ON l.id = s.location JOIN product p ON p.id = s.product"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY p.sku, l.path_seq, l.code, s.lot"
    )
    async with db.read() as tx:
        rows = await tx.fetch(sql, *args)
    return [StockOut(r["location"], r["sku"], r["lot"], r["expiry"], r["on_hand"], r["reserved"]) for r in rows]


_HISTORY_SQL = (
    "SELECT m.id, m.at, p.sku, p.name, m.lot, m.delta, m.on_hand_after, m.op_type, m.ledger_id, u.username AS actor, "
    "g.status, g.code FROM stock_movement m JOIN product p ON p.id = m.product LEFT JOIN app_user u ON u.id = m.actor "
    "LEFT JOIN ledger g ON g.id = m.ledger_id WHERE m.location = ?"
)


async def location_history(db: Database, code: str, limit: int, before: int | None) -> LocationHistory:
    """The stock movements of one location, newest first, `limit` at a time (`before`: a movement id)."""
    async with db.read() as tx:
        location = await tx.fetchrow("SELECT id, code, kind FROM location WHERE code = ? ORDER BY id LIMIT 1", code)
        if location is None:
            raise DomainError("unknown_location", f"no location {code!r}", field="code", status=404)
        sql, args = _HISTORY_SQL, [location["id"]]
        if before is not None:
            sql += " AND m.id < ?"
            args.append(before)
        rows = await tx.fetch(sql + " ORDER BY m.id DESC LIMIT ?", *args, limit + 1)
    movements = [
        Movement(
            r["id"],
            stored_time(r["at"]),
            r["sku"],
            r["name"],
            r["lot"],
            r["delta"],
            r["on_hand_after"],
            r["op_type"],
            r["ledger_id"],
            r["actor"],
            r["status"] or "applied",
            r["code"],
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return LocationHistory(
        code=location["code"], kind=location["kind"], movements=movements, next_before=movements[-1].id if more else None
    )
