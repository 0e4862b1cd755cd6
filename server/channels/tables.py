"""Sales channels orders arrive from."""

from piccolo.columns import Varchar
from piccolo.table import Table


class Channel(Table, tablename="channel"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    kind = Varchar(length=16, default="api")  # manual | api | webhook | csv
