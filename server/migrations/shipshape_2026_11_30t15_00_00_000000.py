"""Proof-of-delivery attachments (photos and signatures): one row per file the server holds whole."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "proof-of-delivery attachments"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        # The key is the id the phone generated (a UUID), so a repeated upload finds its row; the
        # bytes live in a file named by it (server/attachments/storage.py), written before the row.
        await engine.run_ddl(
            "CREATE TABLE attachment ("
            "id VARCHAR(36) PRIMARY KEY, "
            "sha256 CHAR(64) NOT NULL, "
            "kind VARCHAR(16) NOT NULL CHECK (kind IN ('photo', 'signature')), "
            "content_type VARCHAR(32) NOT NULL, "
            "size INTEGER NOT NULL CHECK (size > 0), "
            "uploaded_by INTEGER NOT NULL REFERENCES app_user (id) ON DELETE RESTRICT, "
            "device_id VARCHAR(64) DEFAULT NULL, "
            "created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
        )
        await engine.run_ddl("CREATE INDEX attachment_uploaded_by ON attachment (uploaded_by)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP TABLE IF EXISTS attachment")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
