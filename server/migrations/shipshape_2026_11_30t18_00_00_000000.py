"""The exception queue's actions: follow-up floor tasks assigned to the person whose phone gets them
(pulled with a version, like pick tasks), and who resolved an exception, when, with what comment."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "floor task assignee and version; exception resolution"

_COLUMNS = [
    ("floor_task", "assignee INTEGER DEFAULT NULL REFERENCES app_user (id) ON DELETE RESTRICT"),
    ("floor_task", "version INTEGER NOT NULL DEFAULT 0"),
    ("sync_exception", "resolution TEXT NOT NULL DEFAULT ''"),
    ("sync_exception", "resolved_by INTEGER DEFAULT NULL REFERENCES app_user (id) ON DELETE RESTRICT"),
    ("sync_exception", "resolved_at TIMESTAMPTZ DEFAULT NULL"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for table, column in _COLUMNS:
            await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column}")
        await engine.run_ddl("CREATE INDEX floor_task_assignee ON floor_task (assignee, status)")
        await engine.run_ddl("CREATE INDEX floor_task_version ON floor_task (version)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS floor_task_version")
        await engine.run_ddl("DROP INDEX IF EXISTS floor_task_assignee")
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
