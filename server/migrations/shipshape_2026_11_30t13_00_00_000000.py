"""Login attempt counters, shared by every server process (the login rate limit)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "login attempt counters"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        # One row per thing being limited ("user:ada", "client:10.0.0.7"): attempts in the window
        # that started at window_started (Unix seconds).
        await engine.run_ddl(
            f"CREATE TABLE login_attempt (id {pk}, subject VARCHAR(200) NOT NULL UNIQUE, "
            "window_started BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)"
        )
        await engine.run_ddl("CREATE INDEX login_attempt_window ON login_attempt (window_started)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP TABLE IF EXISTS login_attempt")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
