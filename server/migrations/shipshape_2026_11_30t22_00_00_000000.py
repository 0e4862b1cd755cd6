"""Shop webhooks: each delivery from Shopify or WooCommerce, unique per channel, so a replay is answered
from its first outcome and applies nothing."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook deliveries"

_CREATE = """
CREATE TABLE webhook_delivery (
    id {pk},
    channel INTEGER NOT NULL REFERENCES channel (id) ON DELETE RESTRICT,
    delivery_id VARCHAR(200) NOT NULL,
    topic VARCHAR(64) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    outcome VARCHAR(16) NOT NULL CHECK (outcome IN ('created', 'duplicate', 'updated', 'paid', 'unchanged',
        'cancelled', 'rejected', 'refused', 'malformed', 'ignored')),
    order_id INTEGER DEFAULT NULL,
    code VARCHAR(64) DEFAULT NULL,
    message TEXT NOT NULL DEFAULT '',
    ledger_id INTEGER DEFAULT NULL,
    UNIQUE (channel, delivery_id)
);
CREATE INDEX webhook_delivery_order ON webhook_delivery (order_id)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for statement in _CREATE.format(pk=pk).split(";"):
            if statement.strip():
                await engine.run_ddl(statement)

    async def drop():
        await engine_finder().run_ddl("DROP TABLE webhook_delivery")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
