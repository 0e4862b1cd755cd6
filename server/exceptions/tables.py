"""The supervisor's queue: exceptions from sync outcomes, and the floor work they create."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.catalog.tables import Product
from server.inventory.tables import Location
from server.orders.tables import OrderLine, Package, SalesOrder


class SyncException(Table, tablename="sync_exception"):
    kind = Varchar(length=24)
    code = Varchar(length=48)
    message = Text()
    status = Varchar(length=16, default="open")  # open | resolved
    device_id = Varchar(length=64, null=True, default=None)
    seq = Integer(null=True, default=None)
    ledger_id = Integer(null=True, default=None)
    sales_order = ForeignKey(SalesOrder, null=True)
    order_line = ForeignKey(OrderLine, null=True)
    location = ForeignKey(Location, null=True)
    product = ForeignKey(Product, null=True)
    qty = Integer(default=0)
    people = Text(default="")
    created_at = Timestamptz()
    version = Integer(default=0)


class FloorTask(Table, tablename="floor_task"):
    kind = Varchar(length=16)  # put_away | cycle_count | unpack | return_to_stock
    status = Varchar(length=16, default="open")
    location = ForeignKey(Location, null=True)
    product = ForeignKey(Product, null=True)
    lot = Varchar(length=32, default="")
    qty = Integer(default=0)
    tote = Varchar(length=32, default="")
    sales_order = ForeignKey(SalesOrder, null=True)
    package = ForeignKey(Package, null=True)
    note = Text(default="")
    ledger_id = Integer(null=True, default=None)
    created_at = Timestamptz()
