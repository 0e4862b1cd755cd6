"""Wire types for locations, stock and adjustments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

LocationCode = Annotated[
    str,
    Meta(
        min_length=1, max_length=32, pattern=r"^[A-Z0-9][A-Z0-9-]*$", description="upper-case letters, digits and -, e.g. A-01-03"
    ),
]


class LocationIn(Struct, forbid_unknown_fields=True, kw_only=True):
    code: LocationCode
    kind: Literal["bin", "staging", "dock", "returns"]
    path_seq: Annotated[int, Meta(ge=0, le=10_000_000)]
    zone: Annotated[str, Meta(max_length=16)] = ""


class LocationOut(Struct):
    id: int
    code: str
    kind: str
    zone: str
    path_seq: int


class AdjustmentIn(Struct, forbid_unknown_fields=True, kw_only=True):
    location: Annotated[str, Meta(min_length=1, max_length=32)]
    sku: Annotated[str, Meta(min_length=1, max_length=64)]
    qty_delta: Annotated[int, Meta(ge=-1_000_000, le=1_000_000, description="units to add (+) or remove (-); not 0")]
    reason: Annotated[str, Meta(min_length=1, max_length=500, description="why: received, damaged, count …")]
    lot: Annotated[str, Meta(max_length=32)] = ""
    expiry: dt.date | None = None


class StockOut(Struct):
    location: str
    sku: str
    lot: str
    expiry: dt.date | None
    on_hand: int
    reserved: int


class AdjustmentOut(Struct):
    ledger_id: int
    stock: StockOut
