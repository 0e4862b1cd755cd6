"""A receipt that waits for a supervisor's approval remembers its purchase order, so the PO counts
the units when they are approved (as scanned or corrected), never when a mistyped count is refused."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the purchase order of a receipt waiting for approval"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        await engine.run_ddl(
            "ALTER TABLE floor_task ADD COLUMN purchase_order INTEGER DEFAULT NULL REFERENCES purchase_order (id) ON DELETE RESTRICT"
        )

    async def drop():
        await engine_finder().run_ddl("ALTER TABLE floor_task DROP COLUMN purchase_order")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
