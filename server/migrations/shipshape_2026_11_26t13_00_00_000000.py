"""Sync engine: packages, deliveries, follow-up floor tasks, exceptions, quarantined ops, pull versions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync engine tables"

_DDL = """
CREATE TABLE package (
    id {pk},
    code VARCHAR(40) NOT NULL UNIQUE,
    sales_order INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE RESTRICT,
    status VARCHAR(16) NOT NULL CHECK (status IN ('open', 'shipped', 'delivered', 'failed', 'returned')),
    carrier VARCHAR(32) NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX package_order ON package (sales_order);
CREATE TABLE package_item (
    id {pk},
    package INTEGER NOT NULL REFERENCES package (id) ON DELETE RESTRICT,
    order_line INTEGER NOT NULL REFERENCES order_line (id) ON DELETE RESTRICT,
    qty INTEGER NOT NULL CHECK (qty > 0)
);
CREATE INDEX package_item_line ON package_item (order_line);
CREATE INDEX package_item_package ON package_item (package);
CREATE TABLE delivery (
    id {pk},
    package INTEGER NOT NULL REFERENCES package (id) ON DELETE RESTRICT,
    outcome VARCHAR(16) NOT NULL CHECK (outcome IN ('delivered', 'failed')),
    recipient VARCHAR(200) NOT NULL DEFAULT '',
    reason VARCHAR(200) NOT NULL DEFAULT '',
    signature VARCHAR(64) NOT NULL DEFAULT '',
    photo VARCHAR(64) NOT NULL DEFAULT '',
    lat DOUBLE PRECISION DEFAULT NULL,
    lon DOUBLE PRECISION DEFAULT NULL,
    device_at TIMESTAMPTZ DEFAULT NULL,
    evidence BOOLEAN NOT NULL DEFAULT false,
    ledger_id INTEGER DEFAULT NULL
);
CREATE INDEX delivery_package ON delivery (package);
CREATE TABLE floor_task (
    id {pk},
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('put_away', 'cycle_count', 'unpack', 'return_to_stock')),
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
);
CREATE INDEX floor_task_kind_status ON floor_task (kind, status);
CREATE TABLE sync_exception (
    id {pk},
    kind VARCHAR(24) NOT NULL,
    code VARCHAR(48) NOT NULL,
    message TEXT NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'open',
    device_id VARCHAR(64) DEFAULT NULL,
    seq INTEGER DEFAULT NULL,
    ledger_id INTEGER DEFAULT NULL,
    sales_order INTEGER REFERENCES sales_order (id) ON DELETE RESTRICT,
    order_line INTEGER REFERENCES order_line (id) ON DELETE RESTRICT,
    location INTEGER REFERENCES location (id) ON DELETE RESTRICT,
    product INTEGER REFERENCES product (id) ON DELETE RESTRICT,
    qty INTEGER NOT NULL DEFAULT 0,
    people TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_exception_status ON sync_exception (status);
CREATE TABLE quarantined_op (
    id {pk},
    device_id VARCHAR(64) NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    UNIQUE (device_id, seq)
);
CREATE TABLE scope_exit (
    id {pk},
    scope VARCHAR(40) NOT NULL,
    entity VARCHAR(24) NOT NULL,
    entity_id INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX scope_exit_scope ON scope_exit (scope, version);
ALTER TABLE pick_task ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pick_task_picker_version ON pick_task (picker, version);
ALTER TABLE device ADD COLUMN clock_offset_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE device ADD COLUMN last_push_at TIMESTAMPTZ DEFAULT NULL
"""

_DROP = ["scope_exit", "quarantined_op", "sync_exception", "floor_task", "delivery", "package_item", "package"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for statement in (s.strip() for s in _DDL.format(pk=pk).split(";")):
            if statement:
                await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for table in _DROP:
            await engine.run_ddl(f"DROP TABLE IF EXISTS {table}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
