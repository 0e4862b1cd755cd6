"""Packing and own-fleet delivery: package types, sealed packages with weight and tracking number,
routes and their stops, promised delivery times, geocoded addresses and the depot's position."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "package types, routes and stops, promises"

_CREATE = """
CREATE TABLE package_type (
    id {pk},
    code VARCHAR(16) NOT NULL UNIQUE,
    name VARCHAR(100) NOT NULL,
    length_mm INTEGER NOT NULL DEFAULT 0 CHECK (length_mm >= 0),
    width_mm INTEGER NOT NULL DEFAULT 0 CHECK (width_mm >= 0),
    height_mm INTEGER NOT NULL DEFAULT 0 CHECK (height_mm >= 0),
    max_weight_g INTEGER NOT NULL DEFAULT 0 CHECK (max_weight_g >= 0),
    active BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE route (
    id {pk},
    warehouse INTEGER NOT NULL REFERENCES warehouse (id) ON DELETE RESTRICT,
    code VARCHAR(32) NOT NULL DEFAULT '',
    day DATE NOT NULL,
    driver INTEGER REFERENCES app_user (id) ON DELETE RESTRICT,
    status VARCHAR(16) NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'out', 'done')),
    area VARCHAR(32) NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX route_driver ON route (driver, status);
CREATE INDEX route_version ON route (version);
CREATE TABLE route_stop (
    id {pk},
    route INTEGER NOT NULL REFERENCES route (id) ON DELETE RESTRICT,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    address INTEGER NOT NULL REFERENCES address (id) ON DELETE RESTRICT,
    status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'partial')),
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX route_stop_route ON route_stop (route);
CREATE INDEX route_stop_version ON route_stop (version);
"""

_COLUMNS = [
    ("sales_order", "promised_at TIMESTAMPTZ DEFAULT NULL"),
    ("address", "lat DOUBLE PRECISION DEFAULT NULL"),
    ("address", "lon DOUBLE PRECISION DEFAULT NULL"),
    ("warehouse", "lat DOUBLE PRECISION DEFAULT NULL"),
    ("warehouse", "lon DOUBLE PRECISION DEFAULT NULL"),
    ("package", "sealed_at TIMESTAMPTZ DEFAULT NULL"),
    ("package", "package_type VARCHAR(16) NOT NULL DEFAULT ''"),
    ("package", "weight_g INTEGER NOT NULL DEFAULT 0 CHECK (weight_g >= 0)"),
    ("package", "tracking_number VARCHAR(64) NOT NULL DEFAULT ''"),
    ("package", "stop INTEGER DEFAULT NULL REFERENCES route_stop (id) ON DELETE RESTRICT"),
    ("delivery", "accuracy_m DOUBLE PRECISION DEFAULT NULL"),
    ("order_line", "totes VARCHAR(200) NOT NULL DEFAULT ''"),
    ("delivery", "note TEXT NOT NULL DEFAULT ''"),
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
        await engine.run_ddl("CREATE INDEX package_stop ON package (stop)")
        await engine.run_ddl("CREATE INDEX sales_order_promised ON sales_order (promised_at)")

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS sales_order_promised")
        await engine.run_ddl("DROP INDEX IF EXISTS package_stop")
        for table, column in reversed(_COLUMNS):
            await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
        for table in ("route_stop", "route", "package_type"):
            await engine.run_ddl(f"DROP TABLE IF EXISTS {table}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
