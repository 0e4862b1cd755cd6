"""Locations (master data) and stock queries."""

from __future__ import annotations

from server.db import Database
from server.errors import DomainError
from server.inventory.schemas import LocationIn, LocationOut, StockOut


async def create_location(db: Database, data: LocationIn) -> LocationOut:
    async with db.write() as tx:
        warehouse = await tx.fetchval("SELECT id FROM warehouse ORDER BY id LIMIT 1")
        if await tx.fetchval("SELECT id FROM location WHERE warehouse = ? AND code = ?", warehouse, data.code) is not None:
            raise DomainError("duplicate_location", f"location {data.code!r} exists", field="code", status=409)
        await tx.execute(
            "INSERT INTO location (warehouse, code, kind, zone, path_seq) VALUES (?, ?, ?, ?, ?)",
            warehouse,
            data.code,
            data.kind,
            data.zone,
            data.path_seq,
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
