"""Operation types: every state change in Shipshape is one of these, applied by `sync.engine`.

Each op is a msgspec Struct tagged by its `type`, so a JSON object with `"type": "cancel_order"`
decodes straight into `CancelOrder`; `VERSION` is the version of its args this server applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal, cast

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
    lat: Annotated[float, Meta(ge=-90, le=90, description="latitude, when the channel geocoded the address")] | None = None
    lon: Annotated[float, Meta(ge=-180, le=180)] | None = None


class LineArgs(Struct, forbid_unknown_fields=True, kw_only=True):
    sku: Code
    qty: PositiveQty
    # The supplier ships it to the customer (a drop-ship purchase order, never a pick). None: as the
    # product says (its drop-ship flag); true or false overrides the product for this line.
    drop_ship: bool | None = None


class IntakeOrder(_Op, tag="intake_order", kw_only=True):
    """A new order from a sales channel; idempotent on (channel, external_ref); allocates stock."""

    channel: Code
    external_ref: Code
    customer: CustomerArgs
    ship_to: AddressArgs
    lines: Annotated[list[LineArgs], Meta(min_length=1, max_length=500)]
    payment_status: Literal["paid", "pending"] = "paid"
    tracking_token: Annotated[str, Meta(min_length=8, max_length=32)]
    promised_at: dt.datetime | None = None


class CancelOrder(_Op, tag="cancel_order", kw_only=True):
    """An order cancelled; its reservations freed, picked units sent to put-away."""

    order_id: RowId
    reason: Annotated[str, Meta(max_length=500)] = ""


class MarkPaid(_Op, tag="mark_paid", kw_only=True):
    """A pending payment confirmed; the order may now be allocated and released."""

    order_id: RowId


class AdjustStock(_Op, tag="adjust_stock", kw_only=True):
    """Book a counted or physical difference: `qty_delta` units at a location, with a reason."""

    location: Code
    sku: Code
    qty_delta: Annotated[int, Meta(ge=-1_000_000, le=1_000_000)]
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
    lot: Annotated[str, Meta(max_length=32)] = ""
    expiry: dt.date | None = None


class HoldOrder(_Op, tag="hold_order", kw_only=True):
    """Supervisor action: an order held for a reason other than payment; its reservations go back to stock."""

    order_id: RowId
    reason: Annotated[str, Meta(min_length=1, max_length=500, description="why it is held, as the timeline shows it")]


class ReleaseHold(_Op, tag="release_hold", kw_only=True):
    """Supervisor action: an order's hold lifted; it is allocated again like a newly paid order."""

    order_id: RowId


class ReleaseWave(_Op, tag="release_wave", kw_only=True):
    """Release allocated orders into pick tasks for one picker, in pick-path order."""

    order_ids: Annotated[list[RowId], Meta(min_length=1, max_length=200)]
    picker: Code


# -- device-origin ops (scans on the floor, queued offline, pushed through /api/sync/push) ---------

LotCode = Annotated[str, Meta(max_length=32)]
Tote = Annotated[str, Meta(max_length=32)]
PackageCode = Annotated[str, Meta(min_length=1, max_length=40)]


class Pick(_Op, tag="pick", kw_only=True):
    """Units taken from a bin for an order line, into a tote."""

    order_line_id: RowId
    location: Code
    sku: Code
    qty: PositiveQty
    lot: LotCode = ""
    serial: Annotated[str, Meta(max_length=64)] = ""
    tote: Tote = ""


class PickShort(_Op, tag="pick_short", kw_only=True):
    """The bin held fewer units than the task asked for (empty, damaged, not found)."""

    order_line_id: RowId
    location: Code
    sku: Code
    qty_short: PositiveQty
    reason: Literal["empty", "damaged", "not_found", "wrong_item"] = "empty"
    lot: LotCode = ""


class Pack(_Op, tag="pack", kw_only=True):
    """Picked units of an order line scanned into a package."""

    order_line_id: RowId
    sku: Code
    qty: PositiveQty
    package: PackageCode


class Seal(_Op, tag="seal", kw_only=True):
    """A package closed by the packer: its box or mailer and its weight; nothing more goes in."""

    package: PackageCode
    package_type: Code
    weight_g: Annotated[int, Meta(ge=1, le=100_000, description="grams, as weighed")]


class Ship(_Op, tag="ship", kw_only=True):
    """A package handed to a carrier at the dock, or loaded onto an own-fleet van (`route` given)."""

    package: PackageCode
    carrier: Annotated[
        str, Meta(max_length=32, description="who took it; default: the carrier it is booked with, else the own fleet")
    ] = ""
    route: RowId | None = None


class ReturnToDepot(_Op, tag="return_to_depot", kw_only=True):
    """A package the driver could not deliver, scanned back in at the depot; it can go on a new route."""

    package: PackageCode


class Deliver(_Op, tag="deliver", kw_only=True):
    """Proof of delivery captured at the door."""

    package: PackageCode
    recipient: Annotated[str, Meta(min_length=1, max_length=200)]
    signature: Annotated[str, Meta(max_length=64)] = ""  # client-generated id of the uploaded signature
    photo: Annotated[str, Meta(max_length=64)] = ""
    lat: Annotated[float, Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, Meta(ge=-180, le=180)] | None = None
    accuracy_m: Annotated[float, Meta(ge=0, le=100_000, description="the GPS fix's accuracy radius")] | None = None


class DeliverFailed(_Op, tag="deliver_failed", kw_only=True):
    """A failed delivery attempt, with its reason."""

    package: PackageCode
    reason: Literal["not_home", "refused", "address_not_found", "access", "damaged", "other"]
    note: Annotated[str, Meta(max_length=500)] = ""
    photo: Annotated[str, Meta(max_length=64)] = ""  # e.g. the damaged parcel or the closed gate
    lat: Annotated[float, Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, Meta(ge=-180, le=180)] | None = None
    accuracy_m: Annotated[float, Meta(ge=0, le=100_000)] | None = None


DeliveryNote = Annotated[str, Meta(max_length=64, description="the supplier's delivery-note number, as scanned or typed")]


class Receive(_Op, tag="receive", kw_only=True):
    """Units received into a location (from a supplier delivery), counted on a purchase order when `po` names one."""

    location: Code
    sku: Code
    qty: PositiveQty
    lot: LotCode = ""
    expiry: dt.date | None = None
    po: RowId | None = None  # the purchase order the delivery is for (PO-00042 → 42)
    reference: DeliveryNote = ""


class Count(_Op, tag="count", kw_only=True):
    """A counted quantity for a location × SKU × lot; the book follows the count."""

    location: Code
    sku: Code
    counted: Annotated[int, Meta(ge=0, le=1_000_000)]
    lot: LotCode = ""
    task_id: RowId | None = None  # the count task it answers: a picker may count a bin a supervisor assigned to them


class Move(_Op, tag="move", kw_only=True):
    """Units moved from one location to another."""

    from_location: Code
    to_location: Code
    sku: Code
    qty: PositiveQty
    lot: LotCode = ""


RmaCode = Annotated[str, Meta(min_length=1, max_length=32, description="the RMA's code as printed on its slip, e.g. RMA-7KQ2MX")]


class ReturnReceive(_Op, tag="return_receive", kw_only=True):
    """A customer return scanned in and inspected: resellable units into a bin, damaged ones to scrap."""

    # Version 1 named only the order; `rma` (optional, so those args still apply unchanged) ties the
    # units to an RMA's expected lines. One of the two is needed; with `rma`, `order_id` may be left out.
    order_id: RowId | None = None
    sku: Code
    qty: PositiveQty
    condition: Literal["resellable", "damaged"]
    location: Annotated[str, Meta(min_length=1, max_length=64, description="the bin resellable units go to")] | None = None
    rma: RmaCode | None = None


RMA_REASONS = ("damaged", "wrong_item", "not_as_described", "no_longer_needed", "late", "other")
RmaReason = Literal["damaged", "wrong_item", "not_as_described", "no_longer_needed", "late", "other"]
REFUND_METHODS = ("original_payment", "store_credit", "bank_transfer", "cash")
RefundMethod = Literal["original_payment", "store_credit", "bank_transfer", "cash"]
Cents = Annotated[int, Meta(ge=0, le=1_000_000_000, description="an amount in the currency's minor unit (cents)")]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR")]


class RmaLineArgs(Struct, forbid_unknown_fields=True, kw_only=True):
    order_line_id: RowId
    qty: PositiveQty


class CreateRma(_Op, tag="create_rma", kw_only=True):
    """A return authorised for units of a shipped order, with the customer's reason and what may be refunded."""

    order_id: RowId
    code: Annotated[str, Meta(pattern=r"^RMA-[0-9A-Z]{4,12}$", description="drawn by the server: RMA-<letters and digits>")]
    reason: RmaReason
    note: Annotated[str, Meta(max_length=500)] = ""
    lines: Annotated[list[RmaLineArgs], Meta(min_length=1, max_length=500)]
    value_cents: Cents = 0
    currency: Currency = "EUR"


class RecordRefund(_Op, tag="record_refund", kw_only=True):
    """Money given back on an RMA: amount, how, and the payment's reference; partial refunds add up to its value."""

    rma_id: RowId
    amount_cents: Annotated[int, Meta(ge=1, le=1_000_000_000, description="cents, at least 1")]
    currency: Currency
    method: RefundMethod
    reference: Annotated[str, Meta(max_length=64, description="the payment provider's or bank's reference")] = ""


class CloseRma(_Op, tag="close_rma", kw_only=True):
    """An RMA closed: nothing more is expected on it (what was received stays received)."""

    rma_id: RowId
    note: Annotated[str, Meta(max_length=500)] = ""


class ReassignTask(_Op, tag="reassign_task", kw_only=True):
    """Supervisor action: a pick task moves to another picker."""

    task_id: RowId
    picker: Code
    exception_id: RowId | None = None  # the queue item this closes (resolved in the same op)


class ApproveStockChange(_Op, tag="approve_stock_change", kw_only=True):
    """Supervisor action: a count or receipt that waited for approval is booked, corrected or refused."""

    task_id: RowId
    decision: Literal["approve", "refuse"] = "approve"
    qty: Annotated[int, Meta(ge=0, le=1_000_000, description="the corrected count or receipt; default: as scanned")] | None = None
    exception_id: RowId | None = None  # the queue item this closes (resolved in the same op)


class RecordShipment(_Op, tag="record_shipment", kw_only=True):
    """A carrier booked a package: its tracking number, as the carrier gave it."""

    package: PackageCode
    carrier: Annotated[str, Meta(min_length=1, max_length=32)]
    tracking_number: Annotated[str, Meta(min_length=1, max_length=64)]


class CancelShipment(_Op, tag="cancel_shipment", kw_only=True):
    """A carrier booking undone before hand-over: the package has no carrier and no tracking number again."""

    package: PackageCode


StopPackages = Annotated[list[PackageCode], Meta(min_length=1, max_length=50)]


class CreateRoute(_Op, tag="create_route", kw_only=True):
    """An own-fleet route: sealed packages grouped into stops, in driving order."""

    day: dt.date
    area: Annotated[str, Meta(max_length=32)] = ""
    driver: Code | None = None
    stops: Annotated[list[StopPackages], Meta(min_length=1, max_length=200)]


class ReorderRoute(_Op, tag="reorder_route", kw_only=True):
    """A supervisor put a route's stops in a new order (every stop of the route, each once)."""

    route: RowId
    stops: Annotated[list[RowId], Meta(min_length=1, max_length=200)]


class MoveStop(_Op, tag="move_stop", kw_only=True):
    """A stop moved to another route, at `position` (1 = first; default: last)."""

    stop: RowId
    route: RowId
    position: Annotated[int, Meta(ge=1, le=200)] | None = None


class AssignRoute(_Op, tag="assign_route", kw_only=True):
    """A route given to a driver."""

    route: RowId
    driver: Code


class ResolveException(_Op, tag="resolve_exception", kw_only=True):
    """Supervisor action: an exception in the queue was dealt with, with a comment kept in its history."""

    exception_id: RowId
    comment: Annotated[str, Meta(max_length=500)] = ""


class OrderCount(_Op, tag="order_count", kw_only=True):
    """Supervisor action: a cycle count of a bin (one SKU, or all it holds), for a named person's phone."""

    location: Code
    sku: Code | None = None
    assignee: Code | None = None  # a username; None: any counter (the task waits in the queue)
    exception_id: RowId | None = None  # the queue item this closes (resolved in the same op)


class ReReleaseOrder(_Op, tag="re_release_order", kw_only=True):
    """Supervisor action: an order whose picking went wrong is re-allocated and, on the floor, gets new pick tasks."""

    order_id: RowId
    picker: Code | None = None  # who picks the new tasks; default: the order's last picker
    exception_id: RowId | None = None  # the queue item this closes (resolved in the same op)


class UpdateOrder(_Op, tag="update_order", kw_only=True):
    """A channel changed an order: its ship-to address and lines replace ours while it is not yet on the floor."""

    order_id: RowId
    ship_to: AddressArgs
    lines: Annotated[list[LineArgs], Meta(min_length=1, max_length=500)]
    source: Annotated[str, Meta(max_length=64, description="who changed it, for the exception (e.g. shopify)")] = ""


class CloseReceipt(_Op, tag="close_receipt", kw_only=True):
    """The receiver finished a delivery against a purchase order: lines still short are flagged."""

    po: RowId
    reference: DeliveryNote = ""


# -- purchasing (sync/purchasing.py): purchase orders to suppliers, drop-ships ----------------------

PoId = Annotated[int, Meta(ge=1, le=2_147_483_647, description="the purchase order's id (PO-00042 is 42)")]


class PoLineArgs(Struct, forbid_unknown_fields=True, kw_only=True):
    sku: Code
    qty: PositiveQty


class CreatePurchaseOrder(_Op, tag="create_purchase_order", kw_only=True):
    """A draft purchase order of stock from a supplier (usually a proposal a supervisor accepted)."""

    supplier: Code
    lines: Annotated[list[PoLineArgs], Meta(min_length=1, max_length=500)]
    expected_at: dt.date | None = None
    note: Annotated[str, Meta(max_length=500)] = ""


class ApprovePurchaseOrder(_Op, tag="approve_purchase_order", kw_only=True):
    """A supervisor approved a draft purchase order: it may be sent."""

    po_id: PoId


class SendPurchaseOrder(_Op, tag="send_purchase_order", kw_only=True):
    """An approved purchase order went to the supplier; expected by `expected_at` (default: today + lead time)."""

    po_id: PoId
    expected_at: dt.date | None = None


class CancelPurchaseOrder(_Op, tag="cancel_purchase_order", kw_only=True):
    """A purchase order not yet received is called off."""

    po_id: PoId
    reason: Annotated[str, Meta(max_length=500)] = ""


class SetPoExpected(_Op, tag="set_po_expected", kw_only=True):
    """The supplier confirmed (or moved) the date a purchase order arrives or a drop-ship leaves them."""

    po_id: PoId
    expected_at: dt.date


class CloseDropShip(_Op, tag="close_drop_ship", kw_only=True):
    """The supplier shipped a drop-ship: its tracking number closes the PO and ships the order's lines."""

    po_id: PoId
    carrier: Annotated[str, Meta(min_length=1, max_length=32)]
    tracking_number: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]


# Every op the engine applies. Each is registered once next to its rule (`sync.registry`), with the
# roles that may send it and whether a device may push it; `sync.engine` refuses to import when
# this union and the registry disagree.
Op = (
    IntakeOrder
    | CancelOrder
    | MarkPaid
    | AdjustStock
    | ReleaseWave
    | ReassignTask
    | ResolveException
    | OrderCount
    | ReReleaseOrder
    | ApproveStockChange
    | Pick
    | PickShort
    | RecordShipment
    | CancelShipment
    | CreateRoute
    | ReorderRoute
    | MoveStop
    | AssignRoute
    | Pack
    | Seal
    | Ship
    | ReturnToDepot
    | Deliver
    | DeliverFailed
    | Receive
    | Count
    | Move
    | ReturnReceive
    | HoldOrder
    | ReleaseHold
    | UpdateOrder
    | CloseReceipt
    | CreateRma
    | RecordRefund
    | CloseRma
    | CreatePurchaseOrder
    | ApprovePurchaseOrder
    | SendPurchaseOrder
    | CancelPurchaseOrder
    | SetPoExpected
    | CloseDropShip
)
OP_TYPES: dict[str, type[_Op]] = {cls.__struct_config__.tag: cls for cls in Op.__args__}


def op_type(op: _Op) -> str:
    # msgspec types a tag as str | int | None; every op's is the string in its class statement.
    return cast(str, type(op).__struct_config__.tag)


def encode_args(op: _Op) -> str:
    """The op as stored in the ledger (JSON, tagged with its type)."""
    return msgspec.json.encode(op).decode()


def decode_op(raw: bytes | str) -> Op:
    return msgspec.json.decode(raw, type=Op)
