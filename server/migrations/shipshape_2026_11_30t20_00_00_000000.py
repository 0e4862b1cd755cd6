"""Indexes for KPIs over a period: ledger rows by op type and commit time, order events by status and time."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "KPI indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        # A year of KPIs reads the period's pick, short-pick and return rows and its shipped,
        # delivered and received events, never the whole ledger.
        await engine.run_ddl("CREATE INDEX ledger_op_committed ON ledger (op_type, committed_at)")
        await engine.run_ddl("CREATE INDEX order_event_status_at ON order_event (status, at)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS ledger_op_committed")
        await engine.run_ddl("DROP INDEX IF EXISTS order_event_status_at")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
