"""Every table as a Piccolo class: the engine's tables derived from `sync.model`, the rest hand-written.

The engine's rows (orders, lines, stock, tasks, packages, the ledger …) are described once, in
`sync.model` (fields = columns, `TABLES[...]` = table name, references and mutable columns). Their
Piccolo classes are built from that description here, so there is no second list of their columns
to fall out of step. Tables the engine never writes (users, devices, products, barcodes, locations,
channels, suppliers, quarantined ops, attachments) are described by their own Piccolo classes in their
capability packages. `tests/test_migrations.py` proves both equal the migrated schema, on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses

from piccolo.columns import Boolean, Column, Date, DoublePrecision, ForeignKey, Integer, Text, Timestamptz
from piccolo.table import Table, create_table_class, sort_table_classes

from server.accounts.tables import AppUser, AuthToken, Device, LoginAttempt
from server.attachments.tables import Attachment
from server.carriers.tables import CarrierShipment
from server.catalog.tables import Barcode, CatalogRev, Product, Supplier
from server.channels.feed_tables import ChannelImport, ChannelStockSent, StockDelivery, StockLevel
from server.channels.hook_tables import WebhookDelivery
from server.channels.tables import Channel
from server.inventory.tables import Location, Warehouse
from server.ops.tables import SyncEpoch
from server.packing.tables import PackageType
from server.sync_api.tables import QuarantinedOp
from sync import model as m

HAND_WRITTEN: list[type[Table]] = [
    AppUser,
    AuthToken,
    Device,
    LoginAttempt,
    Supplier,
    Product,
    Barcode,
    Warehouse,
    Location,
    Channel,
    QuarantinedOp,
    PackageType,
    Attachment,
    CarrierShipment,
    WebhookDelivery,
    ChannelImport,
    StockLevel,
    ChannelStockSent,
    StockDelivery,
    CatalogRev,
    SyncEpoch,
]

_COLUMN_TYPES: dict[str, type[Column]] = {
    "int": Integer,
    "str": Text,
    "bool": Boolean,
    "float": DoublePrecision,
    "dt.datetime": Timestamptz,
    "dt.date": Date,
}


def _column(annotation: str, ref: str | None, by_name: dict[str, type[Table]]) -> Column:
    base, _, rest = annotation.partition(" | ")
    null = rest == "None"
    if ref is not None:
        return ForeignKey(by_name[ref], null=null)
    return _COLUMN_TYPES[base](null=null)


def _derive() -> dict[type, type[Table]]:
    by_name: dict[str, type[Table]] = {t._meta.tablename: t for t in HAND_WRITTEN}
    derived: dict[type, type[Table]] = {}
    for row_type in m.WRITE_ORDER:  # parents first, so a foreign key's target already exists
        described = m.TABLES[row_type]
        members = {
            f.name: _column(str(f.type), described.refs.get(f.name), by_name)
            for f in dataclasses.fields(row_type)
            if f.name != "id"  # Piccolo adds the primary key itself
        }
        table = create_table_class(
            f"{row_type.__name__}Table",
            class_kwargs={"tablename": described.name},
            class_members=members,
        )
        by_name[described.name] = table
        derived[row_type] = table
    return derived


ENGINE_TABLES: dict[type, type[Table]] = _derive()
# Parents before children: the order to create or fill them (and, reversed, to empty them).
TABLES: list[type[Table]] = sort_table_classes([*HAND_WRITTEN, *ENGINE_TABLES.values()])
TABLE_NAMES: tuple[str, ...] = tuple(t._meta.tablename for t in TABLES)
ENGINE_TABLE_NAMES: tuple[str, ...] = tuple(t._meta.tablename for t in ENGINE_TABLES.values())
