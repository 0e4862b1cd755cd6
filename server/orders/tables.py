"""Customers, orders, their lines, reservations and the status timeline."""

from piccolo.columns import Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.catalog.tables import Product
from server.channels.tables import Channel
from server.inventory.tables import Stock, Warehouse


class Customer(Table, tablename="customer"):
    name = Varchar(length=200)
    email = Varchar(length=200, default="")
    phone = Varchar(length=64, default="")


class Address(Table, tablename="address"):
    customer = ForeignKey(Customer)
    line1 = Varchar(length=200)
    line2 = Varchar(length=200, default="")
    city = Varchar(length=100)
    postcode = Varchar(length=32)
    region = Varchar(length=100, default="")
    country = Varchar(length=2)


class SalesOrder(Table, tablename="sales_order"):
    channel = ForeignKey(Channel)
    external_ref = Varchar(length=100)  # unique per channel (migration)
    customer = ForeignKey(Customer)
    ship_to = ForeignKey(Address)
    warehouse = ForeignKey(Warehouse)
    status = Varchar(length=24)
    payment_status = Varchar(length=16, default="paid")  # paid | pending
    tracking_token = Varchar(length=32, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OrderLine(Table, tablename="order_line"):
    sales_order = ForeignKey(SalesOrder)
    line_no = Integer()
    product = ForeignKey(Product)
    qty = Integer()
    qty_allocated = Integer(default=0)
    qty_picked = Integer(default=0)
    status = Varchar(length=24)


class Reservation(Table, tablename="reservation"):
    order_line = ForeignKey(OrderLine)
    stock = ForeignKey(Stock)
    qty = Integer()


class OrderEvent(Table, tablename="order_event"):
    """One row of an order's status timeline."""

    sales_order = ForeignKey(SalesOrder)
    status = Varchar(length=24)
    at = Timestamptz(default=TimestamptzNow())
    note = Text(default="")
    ledger_id = Integer(null=True, default=None)


class Package(Table, tablename="package"):
    code = Varchar(length=40, unique=True)
    sales_order = ForeignKey(SalesOrder)
    status = Varchar(length=16)  # open | shipped | delivered | failed | returned
    carrier = Varchar(length=32, default="")
    created_at = Timestamptz()
    version = Integer(default=0)


class PackageItem(Table, tablename="package_item"):
    package = ForeignKey(Package)
    order_line = ForeignKey(OrderLine)
    qty = Integer()


class Delivery(Table, tablename="delivery"):
    """Proof of delivery or a failed attempt; `evidence` rows are rejected confirmations kept for review."""

    package = ForeignKey(Package)
    outcome = Varchar(length=16)  # delivered | failed
    recipient = Varchar(length=200, default="")
    reason = Varchar(length=200, default="")
    signature = Varchar(length=64, default="")
    photo = Varchar(length=64, default="")
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    device_at = Timestamptz(null=True, default=None)
    evidence = Boolean(default=False)
    ledger_id = Integer(null=True, default=None)
