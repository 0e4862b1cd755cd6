"""The one Piccolo app: every table of every capability, and the migrations folder."""

import os

from piccolo.conf.apps import AppConfig

from server.accounts.tables import AppUser, AuthToken, Device
from server.catalog.tables import Barcode, Product, Supplier
from server.channels.tables import Channel
from server.inventory.tables import Location, Stock, Warehouse
from server.ledger import LedgerEntry
from server.exceptions.tables import FloorTask, SyncException
from server.orders.tables import (
    Address, Customer, Delivery, OrderEvent, OrderLine, Package, PackageItem, Reservation, SalesOrder,
)
from server.sync_api.tables import QuarantinedOp, ScopeExit
from server.waves.tables import PickTask, Wave

TABLES = [
    AppUser, AuthToken, Device,
    Supplier, Product, Barcode,
    Warehouse, Location, Stock,
    Channel, Customer, Address, SalesOrder, OrderLine, Reservation, OrderEvent,
    Wave, PickTask,
    Package, PackageItem, Delivery, SyncException, FloorTask,
    LedgerEntry, QuarantinedOp, ScopeExit,
]

APP_CONFIG = AppConfig(
    app_name="shipshape",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=TABLES,
)
