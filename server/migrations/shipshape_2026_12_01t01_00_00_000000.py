"""Returns: RMAs authorised from shipped orders, the order lines each expects back (and what came back,
restocked or scrapped), and the refunds recorded against them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "RMAs, their lines and refunds"

_CREATE = """
CREATE TABLE rma (
    id {pk},
    code VARCHAR(32) NOT NULL UNIQUE,
    sales_order INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE RESTRICT,
    reason VARCHAR(32) NOT NULL
        CHECK (reason IN ('damaged', 'wrong_item', 'not_as_described', 'no_longer_needed', 'late', 'other')),
    note TEXT NOT NULL DEFAULT '',
    status VARCHAR(16) NOT NULL DEFAULT 'requested'
        CHECK (status IN ('requested', 'receiving', 'inspected', 'refunded', 'closed')),
    created_at TIMESTAMPTZ NOT NULL,
    value_cents INTEGER NOT NULL DEFAULT 0 CHECK (value_cents >= 0),
    currency VARCHAR(3) NOT NULL DEFAULT 'EUR',
    closed_at TIMESTAMPTZ DEFAULT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rma_sales_order ON rma (sales_order);
CREATE INDEX rma_status ON rma (status);
CREATE INDEX rma_version ON rma (version);
CREATE INDEX rma_created_at ON rma (created_at);
CREATE TABLE rma_line (
    id {pk},
    rma INTEGER NOT NULL REFERENCES rma (id) ON DELETE RESTRICT,
    order_line INTEGER NOT NULL REFERENCES order_line (id) ON DELETE RESTRICT,
    qty_expected INTEGER NOT NULL CHECK (qty_expected >= 1),
    qty_received INTEGER NOT NULL DEFAULT 0 CHECK (qty_received >= 0),
    qty_restocked INTEGER NOT NULL DEFAULT 0 CHECK (qty_restocked >= 0),
    qty_scrapped INTEGER NOT NULL DEFAULT 0 CHECK (qty_scrapped >= 0),
    CHECK (qty_restocked + qty_scrapped = qty_received),
    UNIQUE (rma, order_line)
);
CREATE INDEX rma_line_order_line ON rma_line (order_line);
CREATE TABLE refund (
    id {pk},
    rma INTEGER NOT NULL REFERENCES rma (id) ON DELETE RESTRICT,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 1),
    currency VARCHAR(3) NOT NULL,
    method VARCHAR(16) NOT NULL CHECK (method IN ('original_payment', 'store_credit', 'bank_transfer', 'cash')),
    reference VARCHAR(64) NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    ledger_id INTEGER DEFAULT NULL
);
CREATE INDEX refund_rma ON refund (rma)
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
        engine = engine_finder()
        for table in ("refund", "rma_line", "rma"):
            await engine.run_ddl(f"DROP TABLE {table}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
