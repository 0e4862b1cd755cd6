"""Counts and moves: every change of units in a bin as a stock movement (the bin's audit trail); a
catalog revision so phones pull products, barcodes and bins offline and then only what changed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stock movements; catalog revision"

_CREATE = """
CREATE TABLE stock_movement (
    id {pk},
    ledger_id INTEGER DEFAULT NULL,
    location INTEGER NOT NULL REFERENCES location (id) ON DELETE RESTRICT,
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    lot VARCHAR(32) NOT NULL DEFAULT '',
    delta INTEGER NOT NULL CHECK (delta != 0),
    on_hand_after INTEGER NOT NULL CHECK (on_hand_after >= 0),
    op_type VARCHAR(32) NOT NULL,
    actor INTEGER DEFAULT NULL REFERENCES app_user (id) ON DELETE RESTRICT,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX stock_movement_location ON stock_movement (location, id);
CREATE INDEX stock_movement_ledger ON stock_movement (ledger_id);
CREATE TABLE catalog_rev (
    id {pk},
    rev INTEGER NOT NULL DEFAULT 0
)
"""

_COLUMNS = [
    ("product", "rev INTEGER NOT NULL DEFAULT 0"),
    ("location", "rev INTEGER NOT NULL DEFAULT 0"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for statement in (s.strip() for s in _CREATE.format(pk=pk).split(";")):
            if statement:
                await engine.run_ddl(statement)
        for table, column in _COLUMNS:
            await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column}")
        await engine.run_ddl("CREATE INDEX product_rev ON product (rev)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS product_rev")
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
        await engine.run_ddl("DROP TABLE IF EXISTS catalog_rev")
        await engine.run_ddl("DROP TABLE IF EXISTS stock_movement")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
