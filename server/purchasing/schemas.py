"""Wire types for suppliers, purchase orders and purchase proposals."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

from sync.ops import PoLineArgs

SupplierCode = Annotated[
    str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="letters, digits, . _ -")
]
LeadTime = Annotated[int, Meta(ge=0, le=365, description="days from sending a purchase order to its delivery")]
Email = Annotated[str, Meta(max_length=128, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$", description="where purchase orders go")]


class SupplierIn(Struct, forbid_unknown_fields=True, kw_only=True):
    code: SupplierCode
    name: Annotated[str, Meta(min_length=1, max_length=128, pattern=r"\S", description="not blank")]
    email: Email = ""
    lead_time_days: LeadTime = 7


class SupplierUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """What an admin may change about a supplier; a field left out keeps its value (the code stays)."""

    name: Annotated[str, Meta(min_length=1, max_length=128, pattern=r"\S", description="not blank")] | None = None
    email: Email | None = None
    lead_time_days: LeadTime | None = None


class SupplierOut(Struct):
    code: str
    name: str
    email: str
    lead_time_days: int
    products: int = 0  # products bought from them


class PurchaseOrderIn(Struct, forbid_unknown_fields=True, kw_only=True):
    supplier: SupplierCode
    lines: Annotated[list[PoLineArgs], Meta(min_length=1, max_length=500)]
    expected_at: dt.date | None = None
    note: Annotated[str, Meta(max_length=500)] = ""


class SendIn(Struct, forbid_unknown_fields=True, kw_only=True):
    expected_at: Annotated[dt.date | None, Meta(description="the supplier's date; default: today + their lead time")] = None


class ExpectedIn(Struct, forbid_unknown_fields=True, kw_only=True):
    expected_at: dt.date


class PoCancelIn(Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, Meta(max_length=500)] = ""


class TrackingIn(Struct, forbid_unknown_fields=True, kw_only=True):
    carrier: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"\S", description="who carries it, e.g. DHL")]
    tracking_number: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]


class PoLineOut(Struct):
    line_no: int
    sku: str
    name: str
    qty_ordered: int
    qty_received: int
    order_line: int | None = None  # a drop-ship line: the customer's order line it ships


class PurchaseOrderOut(Struct):
    id: int
    code: str  # PO-00042: printed as a barcode, scanned at the dock
    supplier: str
    supplier_name: str
    supplier_email: str
    kind: Literal["stock", "drop_ship"]
    status: str
    created_at: dt.datetime
    lines: list[PoLineOut]
    units: int
    expected_at: dt.date | None = None
    sent_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    sales_order: int | None = None
    order_ref: str | None = None  # the customer order a drop-ship ships
    ship_to: str = ""  # a drop-ship's customer address, one line
    tracking_number: str = ""
    note: str = ""
    done: str = ""  # after an action: what it did, in plain words


class ProposalLine(Struct):
    """What to order of one product, and why: backorders not yet covered, and stock below its reorder point."""

    sku: str
    name: str
    qty: int  # to order: for_backorders + for_stock
    for_backorders: int  # units customers wait for that no open purchase order or free stock covers
    for_stock: int  # units to bring the stock back up to reorder point + reorder quantity
    backordered: int  # units of waiting orders not yet reserved
    available: int  # on hand less reserved
    on_order: int  # still to arrive on open stock purchase orders
    reorder_point: int
    reorder_qty: int


class SupplierProposal(Struct):
    supplier: str
    name: str
    lead_time_days: int
    lines: list[ProposalLine]
    units: int


class ProposalsOut(Struct):
    proposals: list[SupplierProposal]
    without_supplier: list[ProposalLine]  # needed, but no supplier to order from: set the product's supplier
