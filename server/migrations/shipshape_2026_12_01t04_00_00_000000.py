"""Purchasing: how many units to order when a product falls below its reorder point, and products
whose lines the supplier ships to the customer (drop-ship) unless an order line says otherwise."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "product reorder quantity and drop-ship flag"

_COLUMNS = [
    ("product", "reorder_qty INTEGER NOT NULL DEFAULT 0 CHECK (reorder_qty >= 0)"),
    ("product", "drop_ship BOOLEAN NOT NULL DEFAULT false"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for table, column in _COLUMNS:
            await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column}")

    async def drop():
        engine = engine_finder()
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
