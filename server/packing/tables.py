"""Package types: the boxes and mailers a warehouse packs into (configured data, not code)."""

from piccolo.columns import Boolean, Integer, Varchar
from piccolo.table import Table


class PackageType(Table, tablename="package_type"):
    code = Varchar(length=16, unique=True)  # what the packer taps or scans: "BOX-M", "MAILER-A4"
    name = Varchar(length=100)
    length_mm = Integer(default=0)
    width_mm = Integer(default=0)
    height_mm = Integer(default=0)
    max_weight_g = Integer(default=0)  # 0: no limit
    active = Boolean(default=True)
