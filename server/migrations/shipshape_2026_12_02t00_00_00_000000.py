"""The sync epoch: which history of the database devices sync against (a restore starts a new one)."""

import datetime as dt
import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync epoch"

_CREATE = """
CREATE TABLE sync_epoch (
    id {pk},
    epoch VARCHAR(32) NOT NULL UNIQUE,
    started_at TIMESTAMPTZ NOT NULL,
    note TEXT NOT NULL DEFAULT ''
)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        await engine.run_ddl(_CREATE.format(pk=pk))
        # A device's last_seq when the current epoch began (set by `shipshape new-epoch`): its first push
        # after a restore may skip the seqs the restore lost (server/ops/epoch.py).
        await engine.run_ddl("ALTER TABLE device ADD COLUMN epoch_seq INTEGER DEFAULT NULL")
        # The first epoch: cursors given out before epochs existed (v1, v2) belong to it.
        started = dt.datetime.now(dt.UTC).isoformat()
        await engine.run_ddl(
            f"INSERT INTO sync_epoch (epoch, started_at, note) VALUES ('{secrets.token_hex(8)}', '{started}', 'first epoch')"
        )

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("ALTER TABLE device DROP COLUMN epoch_seq")
        await engine.run_ddl("DROP TABLE IF EXISTS sync_epoch")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
