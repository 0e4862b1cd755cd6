"""The schema comes from Piccolo migrations, on an empty database, with its constraints in force."""

from __future__ import annotations

import asyncio

import pytest

from server.db import Database
from tests.support import db_config


def run(coroutine_fn):
    async def wrapper():
        db = Database(db_config())
        await db.start()
        try:
            return await coroutine_fn(db)
        finally:
            await db.close()

    return asyncio.run(wrapper())


def test_migrations_ran_from_empty_and_are_recorded(clean_db):
    async def check(db):
        async with db.read() as tx:
            names = [r[0] for r in await tx.fetch("SELECT name FROM migration WHERE app_name = 'shipshape'")]
            channels = [r[0] for r in await tx.fetch("SELECT code FROM channel")]
            warehouses = await tx.fetchval("SELECT COUNT(*) FROM warehouse")
        return names, channels, warehouses

    names, channels, warehouses = run(check)
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "server" / "migrations"
    files = sorted(p.stem for p in folder.glob("shipshape_*.py"))
    assert len(names) == len(files) >= 2
    assert sorted(names) == names
    assert channels == ["manual"] and warehouses == 1


def test_migrating_again_changes_nothing(clean_db):
    from server.migrate import migrate

    asyncio.run(migrate(db_config()))
    asyncio.run(migrate(db_config()))


def _stock_row(tx):
    return tx.execute(
        "INSERT INTO product (sku, name, reorder_point, weight_g, length_mm, width_mm, height_mm, active) "
        "VALUES ('C-1', 'c', 0, 0, 0, 0, 0, ?)", True
    )


@pytest.mark.parametrize(
    "on_hand, reserved",
    [(-1, 0), (1, 2), (1, -1)],
    ids=["negative on hand", "reserved above on hand", "negative reserved"],
)
def test_the_database_itself_refuses_impossible_stock(clean_db, on_hand, reserved):
    async def attempt(db):
        async with db.write() as tx:
            await _stock_row(tx)
            await tx.execute("INSERT INTO location (warehouse, code, kind, zone, path_seq) VALUES (1, 'C-01', 'bin', '', 1)")
        with pytest.raises(Exception) as raised:
            async with db.write() as tx:
                await tx.execute(
                    "INSERT INTO stock (location, product, lot, on_hand, reserved) VALUES (1, 1, '', ?, ?)", on_hand, reserved
                )
        assert "check" in str(raised.value).lower()

    run(attempt)


def test_every_piccolo_table_matches_the_migrated_schema(clean_db):
    """The Piccolo table classes describe the schema; a column they name that the migrations did not
    create (or a table left out) fails here, on both engines."""
    from server.piccolo_app import TABLES

    async def check(db):
        async with db.read() as tx:
            for table in TABLES:
                columns = ", ".join(c._meta.db_column_name for c in table._meta.columns)
                await tx.fetch(f"SELECT {columns} FROM {table._meta.tablename} LIMIT 0")
        return True

    assert run(check)
    assert {t._meta.tablename for t in TABLES} >= {"package", "sync_exception", "floor_task", "quarantined_op", "scope_exit"}
