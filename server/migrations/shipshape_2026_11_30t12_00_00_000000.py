"""Op grants per user (floor staff who receive or count), and the device a bearer token is used from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "user op grants, token device"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        # Op types granted beyond the role, comma-separated (e.g. "receive,count"); empty for most users.
        await engine.run_ddl("ALTER TABLE app_user ADD COLUMN grants VARCHAR(200) NOT NULL DEFAULT ''")
        # The device a token has been used from: revoking the device ends that token's session.
        await engine.run_ddl("ALTER TABLE auth_token ADD COLUMN device_id VARCHAR(64)")
        await engine.run_ddl("CREATE INDEX auth_token_device ON auth_token (device_id)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS auth_token_device")
        await engine.run_ddl("ALTER TABLE auth_token DROP COLUMN device_id")
        await engine.run_ddl("ALTER TABLE app_user DROP COLUMN grants")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
