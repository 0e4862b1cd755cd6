"""Initial schema: every table of the foundation, with the constraints the database itself enforces.

Written as DDL rather than auto-generated so that the CHECK constraints on stock and order lines,
the composite unique keys and RESTRICT foreign keys (deleting a product must never delete order
lines) are part of the schema on both SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "initial schema"

_TABLES = """
CREATE TABLE app_user (
    id {pk},
    username VARCHAR(64) NOT NULL UNIQUE,
    display_name VARCHAR(128) NOT NULL DEFAULT '',
    role VARCHAR(16) NOT NULL CHECK (role IN ('picker', 'packer', 'driver', 'supervisor', 'admin')),
    password_hash VARCHAR(256) NOT NULL,
    active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
CREATE TABLE auth_token (
    id {pk},
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    owner INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE device (
    id {pk},
    device_id VARCHAR(64) NOT NULL UNIQUE,
    owner INTEGER NOT NULL REFERENCES app_user (id) ON DELETE RESTRICT,
    name VARCHAR(128) NOT NULL DEFAULT '',
    last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    registered_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    revoked_at TIMESTAMPTZ DEFAULT NULL,
    revoked_by INTEGER REFERENCES app_user (id) ON DELETE RESTRICT
);
CREATE TABLE supplier (
    id {pk},
    code VARCHAR(32) NOT NULL UNIQUE,
    name VARCHAR(128) NOT NULL,
    email VARCHAR(128) NOT NULL DEFAULT ''
);
CREATE TABLE product (
    id {pk},
    sku VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL,
    supplier INTEGER REFERENCES supplier (id) ON DELETE RESTRICT,
    reorder_point INTEGER NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    weight_g INTEGER NOT NULL DEFAULT 0 CHECK (weight_g >= 0),
    length_mm INTEGER NOT NULL DEFAULT 0 CHECK (length_mm >= 0),
    width_mm INTEGER NOT NULL DEFAULT 0 CHECK (width_mm >= 0),
    height_mm INTEGER NOT NULL DEFAULT 0 CHECK (height_mm >= 0),
    active BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE barcode (
    id {pk},
    code VARCHAR(64) NOT NULL UNIQUE,
    kind VARCHAR(16) NOT NULL,
    gtin VARCHAR(14) DEFAULT NULL,
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE CASCADE
);
CREATE INDEX barcode_product ON barcode (product);
CREATE INDEX barcode_gtin ON barcode (gtin);
CREATE TABLE warehouse (
    id {pk},
    code VARCHAR(16) NOT NULL UNIQUE,
    name VARCHAR(128) NOT NULL
);
CREATE TABLE location (
    id {pk},
    warehouse INTEGER NOT NULL REFERENCES warehouse (id) ON DELETE RESTRICT,
    code VARCHAR(32) NOT NULL,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('bin', 'staging', 'dock', 'returns')),
    zone VARCHAR(16) NOT NULL DEFAULT '',
    path_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (warehouse, code)
);
CREATE TABLE stock (
    id {pk},
    location INTEGER NOT NULL REFERENCES location (id) ON DELETE RESTRICT,
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    lot VARCHAR(32) NOT NULL DEFAULT '',
    expiry DATE DEFAULT NULL,
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    UNIQUE (location, product, lot)
);
CREATE INDEX stock_product ON stock (product);
CREATE TABLE channel (
    id {pk},
    code VARCHAR(32) NOT NULL UNIQUE,
    name VARCHAR(128) NOT NULL,
    kind VARCHAR(16) NOT NULL DEFAULT 'api'
);
CREATE TABLE customer (
    id {pk},
    name VARCHAR(200) NOT NULL,
    email VARCHAR(200) NOT NULL DEFAULT '',
    phone VARCHAR(64) NOT NULL DEFAULT ''
);
CREATE TABLE address (
    id {pk},
    customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
    line1 VARCHAR(200) NOT NULL,
    line2 VARCHAR(200) NOT NULL DEFAULT '',
    city VARCHAR(100) NOT NULL,
    postcode VARCHAR(32) NOT NULL,
    region VARCHAR(100) NOT NULL DEFAULT '',
    country VARCHAR(2) NOT NULL
);
CREATE TABLE sales_order (
    id {pk},
    channel INTEGER NOT NULL REFERENCES channel (id) ON DELETE RESTRICT,
    external_ref VARCHAR(100) NOT NULL,
    customer INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
    ship_to INTEGER NOT NULL REFERENCES address (id) ON DELETE RESTRICT,
    warehouse INTEGER NOT NULL REFERENCES warehouse (id) ON DELETE RESTRICT,
    status VARCHAR(24) NOT NULL,
    payment_status VARCHAR(16) NOT NULL DEFAULT 'paid' CHECK (payment_status IN ('paid', 'pending')),
    tracking_token VARCHAR(32) NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    UNIQUE (channel, external_ref)
);
CREATE INDEX sales_order_status ON sales_order (status);
CREATE TABLE order_line (
    id {pk},
    sales_order INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE RESTRICT,
    line_no INTEGER NOT NULL,
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    qty INTEGER NOT NULL CHECK (qty > 0),
    qty_allocated INTEGER NOT NULL DEFAULT 0 CHECK (qty_allocated >= 0 AND qty_allocated <= qty),
    qty_picked INTEGER NOT NULL DEFAULT 0 CHECK (qty_picked >= 0 AND qty_picked <= qty),
    status VARCHAR(24) NOT NULL,
    UNIQUE (sales_order, line_no)
);
CREATE INDEX order_line_product_status ON order_line (product, status);
CREATE TABLE reservation (
    id {pk},
    order_line INTEGER NOT NULL REFERENCES order_line (id) ON DELETE RESTRICT,
    stock INTEGER NOT NULL REFERENCES stock (id) ON DELETE RESTRICT,
    qty INTEGER NOT NULL CHECK (qty > 0),
    UNIQUE (order_line, stock)
);
CREATE INDEX reservation_stock ON reservation (stock);
CREATE TABLE order_event (
    id {pk},
    sales_order INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE RESTRICT,
    status VARCHAR(24) NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    note TEXT NOT NULL DEFAULT '',
    ledger_id INTEGER DEFAULT NULL
);
CREATE INDEX order_event_order ON order_event (sales_order);
CREATE TABLE wave (
    id {pk},
    warehouse INTEGER NOT NULL REFERENCES warehouse (id) ON DELETE RESTRICT,
    picker INTEGER NOT NULL REFERENCES app_user (id) ON DELETE RESTRICT,
    status VARCHAR(16) NOT NULL DEFAULT 'released',
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
CREATE TABLE pick_task (
    id {pk},
    wave INTEGER NOT NULL REFERENCES wave (id) ON DELETE RESTRICT,
    picker INTEGER NOT NULL REFERENCES app_user (id) ON DELETE RESTRICT,
    sales_order INTEGER NOT NULL REFERENCES sales_order (id) ON DELETE RESTRICT,
    order_line INTEGER NOT NULL REFERENCES order_line (id) ON DELETE RESTRICT,
    location INTEGER NOT NULL REFERENCES location (id) ON DELETE RESTRICT,
    product INTEGER NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    lot VARCHAR(32) NOT NULL DEFAULT '',
    qty INTEGER NOT NULL CHECK (qty > 0),
    qty_picked INTEGER NOT NULL DEFAULT 0 CHECK (qty_picked >= 0),
    seq INTEGER NOT NULL,
    tote VARCHAR(32) NOT NULL DEFAULT '',
    status VARCHAR(16) NOT NULL DEFAULT 'open'
);
CREATE INDEX pick_task_picker_status ON pick_task (picker, status);
CREATE INDEX pick_task_order_line ON pick_task (order_line);
CREATE TABLE ledger (
    id {pk},
    device_id VARCHAR(64) DEFAULT NULL,
    seq INTEGER DEFAULT NULL,
    actor INTEGER REFERENCES app_user (id) ON DELETE RESTRICT,
    op_type VARCHAR(32) NOT NULL,
    op_version INTEGER NOT NULL DEFAULT 1,
    args TEXT NOT NULL,
    device_at TIMESTAMPTZ DEFAULT NULL,
    committed_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    status VARCHAR(16) NOT NULL CHECK (status IN ('applied', 'adjusted', 'rejected')),
    code VARCHAR(48) DEFAULT NULL,
    message TEXT DEFAULT NULL,
    result TEXT NOT NULL DEFAULT '{{}}',
    UNIQUE (device_id, seq)
);
"""

_SEED = """
INSERT INTO warehouse (code, name) VALUES ('MAIN', 'Main warehouse');
INSERT INTO channel (code, name, kind) VALUES ('manual', 'Manual entry', 'manual');
"""

_DROP_ORDER = [
    "ledger",
    "pick_task",
    "wave",
    "order_event",
    "reservation",
    "order_line",
    "sales_order",
    "address",
    "customer",
    "channel",
    "stock",
    "location",
    "warehouse",
    "barcode",
    "product",
    "supplier",
    "device",
    "auth_token",
    "app_user",
]


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        pk = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for statement in _statements(_TABLES.format(pk=pk)) + _statements(_SEED):
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for table in _DROP_ORDER:
            await engine.run_ddl(f"DROP TABLE IF EXISTS {table}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
