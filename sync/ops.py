"""Operation types: every state change in Shipshape is one of these, applied by `sync.engine`.

Each op is a msgspec Struct tagged by its `type`, so a JSON object with `"type": "cancel_order"`
decodes straight into `CancelOrder`; `VERSION` is the version of its args this server applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal, Union

import msgspec
from msgspec import Meta, Struct

PositiveQty = Annotated[int, Meta(ge=1, le=1_000_000, description="units, at least 1")]
NonEmpty = Annotated[str, Meta(min_length=1, max_length=200)]
RowId = Annotated[int, Meta(ge=1, le=2_147_483_647)]
Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]


class _Op(Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    VERSION: ClassVar[int] = 1


# -- server-origin ops (REST actions, channel intake, admin) ----------------------------------------

class CustomerArgs(Struct, forbid_unknown_fields=True, kw_only=True):
    name: NonEmpty
    email: Annotated[str, Meta(max_length=200)] = ""
    phone: Annotated[str, Meta(max_length=64)] = ""


class AddressArgs(Struct, forbid_unknown_fields=True, kw_only=True):
    line1: NonEmpty
    city: Annotated[str, Meta(min_length=1, max_length=100)]
    postcode: Annotated[str, Meta(min_length=1, max_length=32)]
    country: Annotated[str, Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. GB")]
    line2: Annotated[str, Meta(max_length=200)] = ""
    region: Annotated[str, Meta(max_length=100)] = ""


class LineArgs(Struct, forbid_unknown_fields=True, kw_only=True):
    sku: Code
    qty: PositiveQty


class IntakeOrder(_Op, tag="intake_order", kw_only=True):
    """A new order from a sales channel; idempotent on (channel, external_ref); allocates stock."""

    channel: Code
    external_ref: Code
    customer: CustomerArgs
    ship_to: AddressArgs
    lines: Annotated[list[LineArgs], Meta(min_length=1, max_length=500)]
    payment_status: Literal["paid", "pending"] = "paid"
    tracking_token: Annotated[str, Meta(min_length=8, max_length=32)]


class CancelOrder(_Op, tag="cancel_order", kw_only=True):
    order_id: RowId
    reason: Annotated[str, Meta(max_length=500)] = ""


class MarkPaid(_Op, tag="mark_paid", kw_only=True):
    order_id: RowId


class AdjustStock(_Op, tag="adjust_stock", kw_only=True):
    """Book a counted or physical difference: `qty_delta` units at a location, with a reason."""

    location: Code
    sku: Code
    qty_delta: Annotated[int, Meta(ge=-1_000_000, le=1_000_000)]
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    lot: Annotated[str, Meta(max_length=32)] = ""
    expiry: dt.date | None = None


class ReleaseWave(_Op, tag="release_wave", kw_only=True):
    """Release allocated orders into pick tasks for one picker, in pick-path order."""

    order_ids: Annotated[list[RowId], Meta(min_length=1, max_length=200)]
    picker: Code


Op = Union[IntakeOrder, CancelOrder, MarkPaid, AdjustStock, ReleaseWave]
OP_TYPES: dict[str, type[_Op]] = {cls.__struct_config__.tag: cls for cls in Op.__args__}


def op_type(op: _Op) -> str:
    return type(op).__struct_config__.tag


def encode_args(op: _Op) -> str:
    """The op as stored in the ledger (JSON, tagged with its type)."""
    return msgspec.json.encode(op).decode()


def decode_op(raw: bytes | str) -> Op:
    return msgspec.json.decode(raw, type=Op)
