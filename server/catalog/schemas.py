"""Wire types for products and their barcodes."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

Sku = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", description="letters, digits, . _ / -")
]
Measure = Annotated[int, Meta(ge=0, le=10_000_000)]


class ProductIn(Struct, forbid_unknown_fields=True, kw_only=True):
    sku: Sku
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    barcodes: Annotated[list[Annotated[str, Meta(min_length=1, max_length=64)]], Meta(max_length=20)] = []
    supplier: Annotated[str, Meta(max_length=32)] | None = None
    reorder_point: Measure = 0
    reorder_qty: Annotated[Measure, Meta(description="units to order beyond the reorder point when stock falls to it")] = 0
    drop_ship: Annotated[bool, Meta(description="its order lines are shipped by the supplier (needs a supplier)")] = False
    weight_g: Measure = 0
    length_mm: Measure = 0
    width_mm: Measure = 0
    height_mm: Measure = 0


class ProductUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """What an admin may change about a product; a field left out keeps its value."""

    name: Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S", description="not blank")] | None = None
    reorder_point: Measure | None = None
    reorder_qty: Measure | None = None
    drop_ship: bool | None = None
    supplier: Annotated[str, Meta(max_length=32, description="a supplier's code; empty: none")] | None = None
    weight_g: Measure | None = None
    length_mm: Measure | None = None
    width_mm: Measure | None = None
    height_mm: Measure | None = None
    active: bool | None = None


class BarcodeIn(Struct, forbid_unknown_fields=True):
    code: Annotated[
        str, Meta(min_length=1, max_length=64, description="EAN-13/8, UPC-A, GTIN-14 (check digit checked) or an internal code")
    ]


class BarcodeOut(Struct):
    code: str
    kind: str
    gtin: str | None


class ProductOut(Struct):
    id: int
    sku: str
    name: str
    barcodes: list[BarcodeOut]
    supplier: str | None
    reorder_point: int
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    active: bool = True
    reorder_qty: int = 0
    drop_ship: bool = False
