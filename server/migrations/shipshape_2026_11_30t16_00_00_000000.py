"""Carriers' answers to bookings: the label and tracking page a carrier gave a package."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "carrier shipments (labels)"

_CREATE = """
CREATE TABLE carrier_shipment (
    id {pk},
    package_code VARCHAR(40) NOT NULL UNIQUE,
    carrier VARCHAR(32) NOT NULL,
    tracking_number VARCHAR(64) NOT NULL,
    tracking_url TEXT DEFAULT NULL,
    label_format VARCHAR(8) DEFAULT NULL CHECK (label_format IN ('zpl', 'pdf', 'html')),
    label {blob} DEFAULT NULL,
    created_at TIMESTAMPTZ NOT NULL
)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        postgres = engine.engine_type == "postgres"
        pk = "SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
        await engine.run_ddl(_CREATE.format(pk=pk, blob="BYTEA" if postgres else "BLOB"))

    async def drop():
        await engine_finder().run_ddl("DROP TABLE IF EXISTS carrier_shipment")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
