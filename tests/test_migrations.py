"""The schema comes from Piccolo migrations, on an empty database, with its constraints in force."""

from __future__ import annotations

import asyncio

import pytest
from piccolo.columns import ForeignKey

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


async def _whole_database(db) -> tuple[list[tuple], dict[str, list[str]]]:
    """Every table's definition (columns, constraints, indexes) and every row of every table,
    Piccolo's migration records included."""
    async with db.read() as tx:
        if db.dialect == "postgres":
            definition = [
                tuple(r)
                for r in await tx.fetch(
                    "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                    "WHERE table_schema = current_schema() ORDER BY 1, 2"
                )
            ]
            definition += [
                tuple(r)
                for r in await tx.fetch(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
                )
            ]
            definition += [
                tuple(r)
                for r in await tx.fetch(
                    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2"
                )
            ]
            tables = [
                r[0] for r in await tx.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
            ]
        else:
            definition = [tuple(r) for r in await tx.fetch("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")]
            tables = [r[0] for r in await tx.fetch("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        rows = {table: sorted(repr(tuple(r)) for r in await tx.fetch(f"SELECT * FROM {table}")) for table in tables}
    return definition, rows


def test_migrating_again_changes_nothing(clean_db):
    """Running the migrations on an up-to-date database that holds data leaves its schema and every row as they were."""
    from server.migrate import migrate

    async def add_data(db):
        async with db.write() as tx:
            await _stock_row(tx)

    run(add_data)
    before = run(_whole_database)
    assert before[1]["product"] and before[1]["migration"]
    asyncio.run(migrate(db_config()))
    asyncio.run(migrate(db_config()))
    after = run(_whole_database)
    assert after[0] == before[0], "the schema changed"
    assert after[1] == before[1], "the data changed"


def _stock_row(tx):
    return tx.execute(
        "INSERT INTO product (sku, name, reorder_point, weight_g, length_mm, width_mm, height_mm, active) "
        "VALUES ('C-1', 'c', 0, 0, 0, 0, 0, ?)",
        True,
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


async def _migrated_schema(db) -> dict[str, dict[str, str | None]]:
    """{table: {column: referenced table or None}} as the migrations made it, read from the database."""
    schema: dict[str, dict[str, str | None]] = {}
    async with db.read() as tx:
        if db.dialect == "postgres":
            for r in await tx.fetch(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            ):
                schema.setdefault(r[0], {})[r[1]] = None
            for r in await tx.fetch(
                "SELECT cl.relname, a.attname, ref.relname FROM pg_constraint c "
                "JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class ref ON ref.oid = c.confrelid "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                "WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace"
            ):
                schema[r[0]][r[1]] = r[2]
        else:
            tables = [
                r[0] for r in await tx.fetch("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            ]
            for table in tables:
                schema[table] = {r[1]: None for r in await tx.fetch(f"PRAGMA table_info({table})")}
                for r in await tx.fetch(f"PRAGMA foreign_key_list({table})"):
                    schema[table][r[3]] = r[2]
    schema.pop("migration", None)  # Piccolo's own bookkeeping
    return schema


def test_the_one_table_description_equals_the_migrated_schema(clean_db):
    """Every table is described once (the engine's in sync.model, from which its Piccolo classes are
    derived; the others as Piccolo classes): the described tables, their columns and their foreign
    keys are exactly what the migrations created, on both engines. A column added by a migration and
    not to the description (or the other way round) fails here."""
    import dataclasses

    from server.schema import ENGINE_TABLES, TABLES
    from sync import model as m

    migrated = run(_migrated_schema)
    described = {
        t._meta.tablename: {
            c._meta.db_column_name: (
                c._foreign_key_meta.resolved_references._meta.tablename if isinstance(c, ForeignKey) else None
            )
            for c in t._meta.columns
        }
        for t in TABLES
    }
    assert described == migrated
    # The engine's row types are exactly their tables' columns, in the same names.
    for row_type, table in ENGINE_TABLES.items():
        assert [f.name for f in dataclasses.fields(row_type)] == [c._meta.db_column_name for c in table._meta.columns]
    # The read-only projections the engine loads name only columns that exist.
    for row_type in m.PROJECTIONS:
        assert set(m.columns(row_type)) <= set(migrated[m.table_of(row_type)]), row_type
