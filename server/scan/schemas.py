"""Wire types for resolving a scan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct


class ScanIn(Struct, forbid_unknown_fields=True, kw_only=True):
    scan: Annotated[
        str, Meta(min_length=1, max_length=200, description="the scanned text as the scanner sent it (GS as \\u001d)")
    ]


class ProductRef(Struct):
    sku: str
    name: str


class LocationRef(Struct):
    code: str
    kind: str


class OrderRef(Struct):
    id: int
    external_ref: str
    status: str


class PackageRef(Struct):
    code: str
    status: str
    order_id: int


class ScanOut(Struct, kw_only=True):
    """What a scan means here. `kind` is location, product, tote, package, order or unknown when the
    code is valid; when it is not (`valid: false`, `error` says why) it is what the code looked like:
    gtin, gs1, sscc or url. Absent parts are null; a package also names its order."""

    kind: str
    valid: bool
    code: str | None = None
    gtin: Annotated[str, Meta(description="always 14 digits")] | None = None
    sscc: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    weight_kg: float | None = None
    product: ProductRef | None = None
    location: LocationRef | None = None
    order: OrderRef | None = None
    package: PackageRef | None = None
    tote: str | None = None
    error: str | None = None
