"""Package types: created, changed and retired by an admin; never deleted, since sealed packages name theirs."""

from __future__ import annotations

import msgspec

from server.db import Database, Tx, record_to
from server.errors import DomainError
from server.packing.schemas import PackageTypeIn, PackageTypeOut, PackageTypeUpdate

_SQL = "SELECT id, code, name, length_mm, width_mm, height_mm, max_weight_g, active FROM package_type"
_FIELDS = ("name", "length_mm", "width_mm", "height_mm", "max_weight_g", "active")


async def list_package_types(db: Database, *, include_inactive: bool = False) -> list[PackageTypeOut]:
    sql, args = _SQL, []
    if not include_inactive:
        sql += " WHERE active = ?"
        args.append(True)
    async with db.read() as tx:
        rows = await tx.fetch(sql + " ORDER BY code", *args)
    return [_out(r) for r in rows]


async def create_package_type(db: Database, data: PackageTypeIn) -> PackageTypeOut:
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM package_type WHERE code = ?", data.code) is not None:
            raise DomainError("duplicate_package_type", f"package type {data.code!r} exists", field="code", status=409)
        await tx.execute(
            "INSERT INTO package_type (code, name, length_mm, width_mm, height_mm, max_weight_g, active) VALUES (?, ?, ?, ?, ?, ?, ?)",
            data.code,
            data.name,
            data.length_mm,
            data.width_mm,
            data.height_mm,
            data.max_weight_g,
            True,
        )
        return await _read(tx, data.code)


async def update_package_type(db: Database, code: str, data: PackageTypeUpdate) -> PackageTypeOut:
    changes = {name: value for name, value in msgspec.structs.asdict(data).items() if value is not None}
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM package_type WHERE code = ?", code) is None:
            raise DomainError("unknown_package_type", f"no package type {code!r}", field="code", status=404)
        if changes:
            assignments = ", ".join(f"{name} = ?" for name in _FIELDS if name in changes)
            values = [changes[name] for name in _FIELDS if name in changes]
            await tx.execute(f"UPDATE package_type SET {assignments} WHERE code = ?", *values, code)
        return await _read(tx, code)


async def _read(tx: Tx, code: str) -> PackageTypeOut:
    return _out(await tx.fetchrow(_SQL + " WHERE code = ?", code))


def _out(row) -> PackageTypeOut:
    out = record_to(PackageTypeOut, row)
    out.active = bool(out.active)  # SQLite answers 0/1
    return out
