"""Purchasing: purchase orders to suppliers (stock to receive, or drop-ships to one customer order),
their lines, a supplier's lead time, and order lines marked drop-ship."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "purchase orders, drop-ship lines, supplier lead time"

_CREATE = """
CREATE TABLE purchase_order (
    id {pk},
    supplier INTEGER NOT NULL REFERENCES supplier (id) ON DELETE RESTRICT,
    warehouse INTEGER NOT NULL REFERENCES warehouse (id) ON DELETE RESTRICT,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('stock', 'drop_ship')),
    status VARCHAR(16) NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'approved', 'sent', 'receiving', 'received', 'closed', 'cancelled')),
    created_at TIMESTAMPTZ NOT NULL,
    expected_at DATE DEFAULT NULL,
    sales_order INTEGER DEFAULT NULL REFERENCES sales_order (id) ON DELETE RESTRICT,
    tracking_number VARCHAR(64) NOT NULL DEFAULT '',
    sent_at TIMESTAMPTZ DEFAULT NULL,
    closed_at TIMESTAMPTZ DEFAULT NULL,
    note TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX purchase_order_status ON purchase_order (status, supplier);
CREATE INDEX purchase_order_sales_order ON purchase_order (sales_order);
CREATE INDEX purchase_order_version ON purchase_order (version);
CREATE TABLE po_line (
    id {pk},
    purchase_order INTEGER NOT NULL REFERENCES purchase_order (id) ON DELETE RESTRICT,
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    qty_ordered INTEGER NOT NULL CHECK (qty_ordered >= 0),
    qty_received INTEGER NOT NULL DEFAULT 0 CHECK (qty_received >= 0),
    order_line INTEGER DEFAULT NULL REFERENCES order_line (id) ON DELETE RESTRICT,
    UNIQUE (purchase_order, line_no)
);
CREATE INDEX po_line_product ON po_line (product);
CREATE INDEX po_line_order_line ON po_line (order_line)
"""

_COLUMNS = [
    ("supplier", "lead_time_days INTEGER NOT NULL DEFAULT 7 CHECK (lead_time_days >= 0)"),
    ("order_line", "drop_ship BOOLEAN NOT NULL DEFAULT false"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for statement in _CREATE.format(pk=pk).split(";"):
            if statement.strip():
                await engine.run_ddl(statement)
        for table, column in _COLUMNS:
            await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column}")

    async def drop():
        engine = engine_finder()
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
        await engine.run_ddl("DROP TABLE po_line")
        await engine.run_ddl("DROP TABLE purchase_order")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
