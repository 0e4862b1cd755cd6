"""Wire types of RMAs and refunds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct

from sync.ops import Cents, Currency, RefundMethod, RmaLineArgs, RmaReason


class RmaIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """A return authorised for units of a shipped or delivered order."""

    reason: RmaReason
    lines: Annotated[list[RmaLineArgs], Meta(min_length=1, max_length=500, description="order lines and units expected back")]
    note: Annotated[str, Meta(max_length=500)] = ""
    value_cents: Cents = 0  # the most that may be refunded on this RMA (our orders carry no prices)
    currency: Currency = "EUR"


class RefundIn(Struct, forbid_unknown_fields=True, kw_only=True):
    amount_cents: Annotated[int, Meta(ge=1, le=1_000_000_000, description="cents, at least 1")]
    method: RefundMethod
    reference: Annotated[str, Meta(max_length=64)] = ""
    currency: Currency | None = None  # default: the RMA's


class CloseRmaIn(Struct, forbid_unknown_fields=True):
    note: Annotated[str, Meta(max_length=500)] = ""


class RmaLineOut(Struct):
    id: int
    order_line_id: int
    sku: str
    name: str
    barcodes: list[str]
    qty_sent: int
    qty_expected: int
    qty_received: int
    qty_restocked: int
    qty_scrapped: int


class RefundOut(Struct):
    id: int
    amount_cents: int
    currency: str
    method: str
    reference: str
    created_at: dt.datetime


class RmaSummary(Struct, kw_only=True):
    id: int
    code: str
    order_id: int
    order_ref: str
    customer: str
    reason: str
    status: str
    created_at: dt.datetime
    units_expected: int
    units_received: int
    value_cents: int
    refunded_cents: int
    currency: str


class RmaOut(Struct, kw_only=True):
    """An RMA with its lines (expected, received, restocked, scrapped) and its refunds."""

    id: int
    code: str
    order_id: int
    order_ref: str
    customer: str
    reason: str
    note: str
    status: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    value_cents: int
    refunded_cents: int
    currency: str
    lines: list[RmaLineOut]
    refunds: list[RefundOut]
    done: str | None = None  # what the action just did, in words
