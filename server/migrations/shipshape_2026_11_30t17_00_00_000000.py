"""Devices report their backlog: when each was last seen and how many ops it held unsent (the live floor)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device last seen and reported backlog"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        # Written by pushes and pulls only when something changed (see server/live/backlog.py).
        await engine.run_ddl("ALTER TABLE device ADD COLUMN last_seen_at TIMESTAMPTZ DEFAULT NULL")
        await engine.run_ddl(
            "ALTER TABLE device ADD COLUMN pending_reported INTEGER NOT NULL DEFAULT 0 CHECK (pending_reported >= 0)"
        )
        await engine.run_ddl("ALTER TABLE device ADD COLUMN pending_at TIMESTAMPTZ DEFAULT NULL")

    async def drop():
        engine = engine_finder()
        for column in ("pending_at", "pending_reported", "last_seen_at"):
            await engine.run_ddl(f"ALTER TABLE device DROP COLUMN {column}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
