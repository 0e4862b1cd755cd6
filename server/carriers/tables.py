"""What a carrier answered when it booked a package, beyond the tracking number the engine keeps on
the package: its label and its tracking page. Keyed by package code (codes are unique and never
change); a row whose tracking number is not the package's is a booking that was never recorded."""

from piccolo.columns import Bytea, Text, Timestamptz, Varchar
from piccolo.table import Table


class CarrierShipment(Table, tablename="carrier_shipment"):
    package_code = Varchar(length=40, unique=True)
    carrier = Varchar(length=32)
    tracking_number = Varchar(length=64)
    tracking_url = Text(null=True)
    label_format = Varchar(length=8, null=True)  # zpl | pdf | html; None: no carrier label
    label = Bytea(null=True)
    created_at = Timestamptz()
