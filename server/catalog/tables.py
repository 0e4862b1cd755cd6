"""Products, their barcodes and suppliers."""

from piccolo.columns import Boolean, ForeignKey, Integer, Varchar
from piccolo.table import Table


class Supplier(Table, tablename="supplier"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    email = Varchar(length=128, default="")
    lead_time_days = Integer(default=7)  # sending a purchase order → its delivery, when no date is given


class Product(Table, tablename="product"):
    sku = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    supplier = ForeignKey(Supplier, null=True)
    reorder_point = Integer(default=0)
    reorder_qty = Integer(default=0)  # units to order beyond the reorder point when stock falls below it
    drop_ship = Boolean(default=False)  # its order lines are shipped by the supplier unless a line says otherwise
    weight_g = Integer(default=0)
    length_mm = Integer(default=0)
    width_mm = Integer(default=0)
    height_mm = Integer(default=0)
    active = Boolean(default=True)
    rev = Integer(default=0)  # the catalog revision of its last change, its barcodes' included (CatalogRev)


class Barcode(Table, tablename="barcode"):
    code = Varchar(length=64, unique=True)  # as printed: EAN-13, UPC-A, EAN-8, GTIN-14, or an internal code
    kind = Varchar(length=16)  # ean13 | upca | ean8 | upce | gtin14 | internal
    gtin = Varchar(length=14, null=True, default=None)  # the 14-digit GTIN when the code is one
    product = ForeignKey(Product)


class CatalogRev(Table, tablename="catalog_rev"):
    """One row: the catalog's revision, bumped by every change of a product, a barcode or a location.
    Those rows carry the revision they last changed at (`rev`), so a phone pulls only what changed."""

    rev = Integer(default=0)
