"""Wire types of goods in: an open purchase order with what to expect, and the receipt actions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct

from sync.ops import DeliveryNote, LotCode, PositiveQty

Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]


class ReceiptLine(Struct):
    """One line of a purchase order at the door: what to expect, how to recognise it, where it goes."""

    id: int
    line_no: int
    sku: str
    name: str
    barcodes: list[str]  # every code printed on the item (EAN, UPC, GTIN-14, internal)
    gtins: list[str]  # their 14-digit GTINs: a GS1-128 case label names the item by AI 01
    qty_ordered: int
    qty_received: int
    lot_tracked: bool  # the product has lots in stock: the receiver is asked for one if the code had none
    put_away: list[str]  # suggested bins, best first (see docs/receiving.md)


class Receipt(Struct):
    """A stock purchase order a receiver can receive against (scanned as `code`)."""

    id: int
    code: str
    status: str
    supplier: str
    supplier_code: str
    expected_at: dt.date | None
    lines: list[ReceiptLine]


class ReceiveIn(Struct, forbid_unknown_fields=True, kw_only=True):
    location: Annotated[Code, Meta(description="the bin the units were put away into")]
    sku: Code
    qty: PositiveQty
    lot: LotCode = ""
    expiry: dt.date | None = None
    reference: DeliveryNote = ""


class CloseReceiptIn(Struct, forbid_unknown_fields=True, kw_only=True):
    reference: DeliveryNote = ""


class ReceiptOutcome(Struct):
    """What the engine did with a receipt action: applied, or adjusted with its code (an exception was raised)."""

    status: str
    code: str | None
    message: str | None
    result: dict
    receipt: Receipt
