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


# -- stock at a glance ----------------------------------------------------------------------------


class StockPlace(Struct):
    """One stock row (location × SKU × lot) as the lookup shows it."""

    location: str
    location_kind: str
    zone: str
    sku: str
    name: str
    lot: str
    expiry: dt.date | None
    on_hand: int
    reserved: int
    available: int


class Totals(Struct):
    on_hand: int
    reserved: int
    available: int


class Returning(Struct):
    """Units on their way back to a shelf: an open put-away (or return-to-stock) task with units."""

    task_id: int
    kind: str
    sku: str
    qty: int
    tote: str
    location: str | None
    note: str


class PendingReceipt(Struct):
    """A receipt recorded on the floor that waits for a supervisor's approval before it is booked."""

    task_id: int
    sku: str
    location: str | None
    lot: str
    qty: int
    note: str


class ItemStock(Struct):
    sku: str
    name: str
    barcodes: list[str]
    reorder_point: int
    low: bool
    totals: Totals
    places: list[StockPlace]
    backordered: int
    on_the_way_back: int
    returning: list[Returning]
    receipts_awaiting_approval: list[PendingReceipt]


class BinStock(Struct):
    code: str
    kind: str
    zone: str
    totals: Totals
    items: list[StockPlace]
    returning: list[Returning]


class StockLookup(Struct, kw_only=True):
    """What a scanned or typed code holds: `kind` is `item` (then `item` is set) or `bin` (then `bin`).
    `purchase_orders` says how far incoming stock can be seen: this warehouse has no purchase orders
    yet, so only receipts already scanned but waiting for approval show as incoming."""

    q: str
    kind: Literal["item", "bin"]
    item: ItemStock | None = None
    bin: BinStock | None = None
    lot: str | None = None
    purchase_orders: str = "not tracked: Shipshape has no purchase orders yet"


class LowStock(Struct):
    sku: str
    name: str
    reorder_point: int
    on_hand: int
    reserved: int
    available: int
    backordered: int


# -- a bin's audit trail ----------------------------------------------------------------------------


class Movement(Struct):
    """One change of units in a bin: by how many, what the book held after, which op, who and when."""

    id: int
    at: dt.datetime
    sku: str
    name: str
    lot: str
    delta: int
    on_hand_after: int
    op_type: str
    ledger_id: int | None
    actor: str | None
    status: str  # the op's outcome: applied, or adjusted (booked, with a consequence the server chose)
    code: str | None  # the adjusted op's code (stock_discrepancy, …)


class LocationHistory(Struct, kw_only=True):
    """A bin's trail, newest first; `next_before` pages on (None: nothing older)."""

    code: str
    kind: str
    movements: list[Movement]
    next_before: int | None
