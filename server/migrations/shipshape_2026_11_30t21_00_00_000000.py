"""Admin setup: a channel's webhook secret and whether it is active; what became of a revoked device's
quarantined ops (applied or discarded, by whom, when, why, with which outcome)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "channel secrets; quarantined op hand-over"

_COLUMNS = [
    # Kept as given: verifying a signed webhook (HMAC) needs the secret itself, not a hash of it.
    ("channel", "webhook_secret VARCHAR(128) DEFAULT NULL"),
    ("channel", "active BOOLEAN NOT NULL DEFAULT true"),
    ("quarantined_op", "status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'discarded'))"),
    ("quarantined_op", "handled_by INTEGER DEFAULT NULL REFERENCES app_user (id) ON DELETE RESTRICT"),
    ("quarantined_op", "handled_at TIMESTAMPTZ DEFAULT NULL"),
    ("quarantined_op", "reason TEXT NOT NULL DEFAULT ''"),
    ("quarantined_op", "ledger_id INTEGER DEFAULT NULL"),
    ("quarantined_op", "outcome TEXT NOT NULL DEFAULT ''"),
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
