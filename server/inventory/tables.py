"""Sites, locations and stock per location × SKU × lot."""

from piccolo.columns import Date, ForeignKey, Integer, Varchar
from piccolo.table import Table

from server.catalog.tables import Product


class Warehouse(Table, tablename="warehouse"):
    code = Varchar(length=16, unique=True)
    name = Varchar(length=128)


class Location(Table, tablename="location"):
    warehouse = ForeignKey(Warehouse)
    code = Varchar(length=32)  # unique per warehouse (migration)
    kind = Varchar(length=16)  # bin | staging | dock | returns
    zone = Varchar(length=16, default="")
    path_seq = Integer(default=0)  # position on the picking walk


class Stock(Table, tablename="stock"):
    location = ForeignKey(Location)
    product = ForeignKey(Product)
    lot = Varchar(length=32, default="")  # "" = no lot
    expiry = Date(null=True, default=None)
    on_hand = Integer(default=0)  # CHECK on_hand >= 0 (migration)
    reserved = Integer(default=0)  # CHECK 0 <= reserved <= on_hand (migration)
