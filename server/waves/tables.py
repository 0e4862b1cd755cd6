"""Waves of released orders and the pick tasks they become."""

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import AppUser
from server.catalog.tables import Product
from server.inventory.tables import Location, Warehouse
from server.orders.tables import OrderLine, SalesOrder


class Wave(Table, tablename="wave"):
    warehouse = ForeignKey(Warehouse)
    picker = ForeignKey(AppUser)
    status = Varchar(length=16, default="released")  # released | picking | done | cancelled
    created_at = Timestamptz(default=TimestamptzNow())


class PickTask(Table, tablename="pick_task"):
    """Pick `qty` of a product from one location for one order line, in walking order (`seq`)."""

    wave = ForeignKey(Wave)
    picker = ForeignKey(AppUser)
    sales_order = ForeignKey(SalesOrder)
    order_line = ForeignKey(OrderLine)
    location = ForeignKey(Location)
    product = ForeignKey(Product)
    lot = Varchar(length=32, default="")
    qty = Integer()
    qty_picked = Integer(default=0)
    seq = Integer()
    tote = Varchar(length=32, default="")
    status = Varchar(length=16, default="open")  # open | done | short | cancelled
    version = Integer(default=0)  # ledger position of its last change (pull cursors)
