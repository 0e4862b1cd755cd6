"""Products, their barcodes and suppliers."""

from piccolo.columns import Boolean, ForeignKey, Integer, Varchar
from piccolo.table import Table


class Supplier(Table, tablename="supplier"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    email = Varchar(length=128, default="")


class Product(Table, tablename="product"):
    sku = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    supplier = ForeignKey(Supplier, null=True)
    reorder_point = Integer(default=0)
    weight_g = Integer(default=0)
    length_mm = Integer(default=0)
    width_mm = Integer(default=0)
    height_mm = Integer(default=0)
    active = Boolean(default=True)


class Barcode(Table, tablename="barcode"):
    code = Varchar(length=64, unique=True)  # as printed: EAN-13, UPC-A, EAN-8, GTIN-14, or an internal code
    kind = Varchar(length=16)  # ean13 | upca | ean8 | upce | gtin14 | internal
    gtin = Varchar(length=14, null=True, default=None)  # the 14-digit GTIN when the code is one
    product = ForeignKey(Product)
