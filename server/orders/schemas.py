"""Wire types for orders, their lines and timeline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from sync.ops import AddressArgs, CustomerArgs, LineArgs

Ref = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]


class OrderIn(Struct, forbid_unknown_fields=True, kw_only=True):
    channel: Annotated[str, Meta(min_length=1, max_length=32, description="channel code; every database has 'manual'")]
    external_ref: Ref
    customer: CustomerArgs
    ship_to: AddressArgs
    lines: Annotated[list[LineArgs], Meta(min_length=1, max_length=500)]
    payment_status: Literal["paid", "pending"] = "paid"
    promised_at: dt.datetime | None = None  # when the shop told the customer it arrives


class CancelIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=500)] = ""


class HoldIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500, description="why the order is held, as its timeline shows it")]


class AllocationOut(Struct):
    """Units of a line reserved in one bin (and lot)."""

    location: str
    zone: str
    lot: str
    qty: int


class IncomingOut(Struct):
    """Units of a line still to come from a supplier: on which purchase order, expected when (none:
    not on order yet). For a drop-ship line, the purchase order the supplier ships it on."""

    qty: int
    purchase_order: str | None
    expected_at: dt.date | None


class LineOut(Struct):
    id: int
    line_no: int
    sku: str
    name: str
    qty: int
    qty_allocated: int
    qty_picked: int
    status: str
    allocation: list[AllocationOut] = []
    totes: list[str] = []  # the totes its picked units went into
    drop_ship: bool = False  # its supplier ships it to the customer (never picked here)
    incoming: list[IncomingOut] = []  # what it waits for, from which purchase order, expected when


class EventOut(Struct):
    status: str
    at: dt.datetime
    note: str


class TimelineStep(Struct):
    """One step of an order's journey: when it was recorded, what happened (`kind`, and in plain words
    `label`), the package it concerns, when the phone says it happened, and the facts behind it."""

    at: dt.datetime
    kind: str
    label: str
    package: str | None
    device_at: dt.datetime | None
    detail: dict[str, Any]


class CustomerOut(Struct):
    name: str
    email: str
    phone: str


class AddressOut(Struct):
    line1: str
    line2: str
    city: str
    postcode: str
    region: str
    country: str


class PackageOut(Struct):
    code: str
    package_type: str
    weight_g: int
    status: str
    sealed: bool
    carrier: str
    tracking_number: str


class OrderOut(Struct):
    id: int
    channel: str
    external_ref: str
    status: str
    payment_status: str
    tracking_token: str
    created_at: dt.datetime
    customer: CustomerOut
    ship_to: AddressOut
    lines: list[LineOut]
    timeline: list[EventOut]
    promised_at: dt.datetime | None = None
    hold: Literal["payment", "supervisor"] | None = None  # why it is on hold: waiting for payment, or held by a person
    hold_reason: str = ""
    packages: list[PackageOut] = []
    done: str = ""  # after an action (hold, release hold, pay, cancel): what it did, in plain words


class OrderSummary(Struct):
    id: int
    channel: str
    external_ref: str
    status: str
    payment_status: str
    customer: str
    created_at: dt.datetime
    lines: int
    units: int
