"""Channel feeds: CSV imports of orders (a job per upload, its progress and row-by-row report), and
stock sent back to the channels (a token for the pull feed, the outgoing webhook's address, the last
available-to-promise per SKU, what each channel was last sent, and the deliveries in flight)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "channel feeds: CSV imports, stock levels and their deliveries"

_COLUMNS = [
    # A hash only: the token is shown once (like a user's bearer token, never stored as is).
    ("channel", "api_token_hash VARCHAR(64) DEFAULT NULL"),
    ("channel", "stock_webhook_url VARCHAR(500) DEFAULT NULL"),
]

_CREATE = [
    """
CREATE TABLE channel_import (
    id {pk},
    channel INTEGER NOT NULL REFERENCES channel (id) ON DELETE RESTRICT,
    status VARCHAR(16) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    file_name VARCHAR(200) NOT NULL DEFAULT '',
    size_bytes INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER DEFAULT NULL,
    rows_done INTEGER NOT NULL DEFAULT 0,
    orders_created INTEGER NOT NULL DEFAULT 0,
    orders_duplicate INTEGER NOT NULL DEFAULT 0,
    orders_rejected INTEGER NOT NULL DEFAULT 0,
    rows_bad INTEGER NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT '[]',
    report_more INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    created_by INTEGER DEFAULT NULL REFERENCES app_user (id) ON DELETE RESTRICT,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ DEFAULT NULL,
    finished_at TIMESTAMPTZ DEFAULT NULL,
    claimed_until TIMESTAMPTZ DEFAULT NULL
)
""",
    """
CREATE TABLE stock_level (
    id {pk},
    product INTEGER NOT NULL UNIQUE REFERENCES product (id) ON DELETE CASCADE,
    available INTEGER NOT NULL CHECK (available >= 0),
    updated_at TIMESTAMPTZ NOT NULL
)
""",
    """
CREATE TABLE channel_stock_sent (
    id {pk},
    channel INTEGER NOT NULL REFERENCES channel (id) ON DELETE CASCADE,
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    available INTEGER NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, product)
)
""",
    """
CREATE TABLE stock_delivery (
    id {pk},
    channel INTEGER NOT NULL REFERENCES channel (id) ON DELETE CASCADE,
    delivery_id VARCHAR(36) NOT NULL UNIQUE,
    body TEXT NOT NULL,
    items INTEGER NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ DEFAULT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ DEFAULT NULL
)
""",
    "CREATE INDEX stock_delivery_due ON stock_delivery (status, next_at)",
    "CREATE INDEX channel_import_open ON channel_import (status)",
]
_TABLES = ["stock_delivery", "channel_stock_sent", "stock_level", "channel_import"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for table, column in _COLUMNS:
            await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column}")
        for statement in _CREATE:
            await engine.run_ddl(statement.format(pk=pk))

    async def drop():
        engine = engine_finder()
        for table in _TABLES:
            await engine.run_ddl(f"DROP TABLE IF EXISTS {table}")
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
