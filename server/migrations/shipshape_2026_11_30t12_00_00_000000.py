"""Op grants per user (floor staff who receive or count), the device a bearer token is used from, and
floor tasks for counts and receipts that wait for a supervisor's approval."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "user op grants, token device, approval tasks"

_KINDS = "('put_away', 'cycle_count', 'unpack', 'return_to_stock', 'approve_count', 'approve_receipt')"
_OLD_KINDS = "('put_away', 'cycle_count', 'unpack', 'return_to_stock')"
# SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same columns.
_FLOOR_TASK = """CREATE TABLE floor_task_next (
    id INTEGER PRIMARY KEY,
    kind VARCHAR(16) NOT NULL CHECK (kind IN {kinds}),
    status VARCHAR(16) NOT NULL DEFAULT 'open',
    location INTEGER REFERENCES location (id) ON DELETE RESTRICT,
    product INTEGER REFERENCES product (id) ON DELETE RESTRICT,
    lot VARCHAR(32) NOT NULL DEFAULT '',
    qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0),
    tote VARCHAR(32) NOT NULL DEFAULT '',
    sales_order INTEGER REFERENCES sales_order (id) ON DELETE RESTRICT,
    package INTEGER REFERENCES package (id) ON DELETE RESTRICT,
    note TEXT NOT NULL DEFAULT '',
    ledger_id INTEGER DEFAULT NULL,
    created_at TIMESTAMPTZ NOT NULL
)"""


async def _floor_task_kinds(engine, kinds: str) -> None:
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE floor_task DROP CONSTRAINT floor_task_kind_check")
        await engine.run_ddl(f"ALTER TABLE floor_task ADD CONSTRAINT floor_task_kind_check CHECK (kind IN {kinds})")
        return
    await engine.run_ddl(_FLOOR_TASK.format(kinds=kinds))
    await engine.run_ddl("INSERT INTO floor_task_next SELECT * FROM floor_task")
    await engine.run_ddl("DROP TABLE floor_task")
    await engine.run_ddl("ALTER TABLE floor_task_next RENAME TO floor_task")
    await engine.run_ddl("CREATE INDEX floor_task_kind_status ON floor_task (kind, status)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        # Op types granted beyond the role, comma-separated (e.g. "receive,count"); empty for most users.
        await engine.run_ddl("ALTER TABLE app_user ADD COLUMN grants VARCHAR(200) NOT NULL DEFAULT ''")
        # The device a token has been used from: revoking the device ends that token's session.
        await engine.run_ddl("ALTER TABLE auth_token ADD COLUMN device_id VARCHAR(64)")
        await engine.run_ddl("CREATE INDEX auth_token_device ON auth_token (device_id)")
        await _floor_task_kinds(engine, _KINDS)

    async def drop():
        engine = engine_finder()
        await _floor_task_kinds(engine, _OLD_KINDS)
        await engine.run_ddl("DROP INDEX IF EXISTS auth_token_device")
        await engine.run_ddl("ALTER TABLE auth_token DROP COLUMN device_id")
        await engine.run_ddl("ALTER TABLE app_user DROP COLUMN grants")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
