"""Sites and their locations (stock per location × SKU × lot is an engine table: sync.model.Stock)."""

from piccolo.columns import DoublePrecision, ForeignKey, Integer, Varchar
from piccolo.table import Table


class Warehouse(Table, tablename="warehouse"):
    code = Varchar(length=16, unique=True)
    name = Varchar(length=128)
    lat = DoublePrecision(null=True, default=None)  # the depot, where own-fleet routes start and end
    lon = DoublePrecision(null=True, default=None)


class Location(Table, tablename="location"):
    warehouse = ForeignKey(Warehouse)
    code = Varchar(length=32)  # unique per warehouse (migration)
    kind = Varchar(length=16)  # bin | staging | dock | returns
    zone = Varchar(length=16, default="")
    path_seq = Integer(default=0)  # position on the picking walk
    rev = Integer(default=0)  # the catalog revision it was created or last changed at (server.catalog.tables.CatalogRev)
