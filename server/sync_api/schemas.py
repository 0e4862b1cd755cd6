"""Wire types of the sync contract (docs/sync-protocol.md): push envelopes and results, pull deltas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from server.receiving.schemas import Receipt

MAX_OPS = 500
MAX_BYTES = 1_000_000


class OpEnvelope(Struct):
    """One queued op. Only `seq` must be right for the batch to be taken: whatever else a device sends
    (an unknown type or version, malformed args, a clock that is not a time) rejects that op alone."""

    seq: Annotated[int, Meta(ge=1, le=2_147_483_647, description="the device's op number: 1, 2, 3, … with no gaps")]
    type: Annotated[str, Meta(description="op type, e.g. pick (see the op catalogue)")]
    version: Annotated[int, Meta(description="the version of the op's args the device wrote (1 today)")]
    # Kept as the raw JSON the device sent: each op's args are decoded against its own type, so a
    # malformed op is rejected alone and its bytes are kept in the ledger as they came.
    args: Annotated[msgspec.Raw, Meta(description="the op's arguments: a JSON object, see the op catalogue")] = msgspec.Raw(b"{}")
    at: Annotated[Any, Meta(description="the device's clock when the op was made (RFC 3339); kept for audit")] = None


class PushIn(Struct, forbid_unknown_fields=True):
    device_id: Annotated[
        str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$", description="as issued by POST /api/devices")
    ]
    ops: Annotated[list[OpEnvelope], Meta(max_length=100_000)]
    # Optional: older clients leave it out. Shown on the supervisor's live floor.
    pending: Annotated[int, Meta(ge=0, le=1_000_000, description="ops the device still holds unsent after this batch")] | None = (
        None
    )


class OpResult(Struct):
    seq: int
    status: Literal["applied", "adjusted", "rejected"]
    code: str | None
    message: str | None
    replayed: bool
    result: dict[str, Any] = {}


class PushOut(Struct):
    acked_through: int
    results: list[OpResult]
    server_time: dt.datetime


class Limits(Struct):
    max_ops: int
    max_bytes: int
    op_types: dict[str, int]


class PullTask(Struct):
    id: int
    wave_id: int
    seq: int
    status: str
    location: str
    location_seq: int
    sku: str
    product_name: str
    barcodes: list[str]
    lot: str
    qty: int
    qty_picked: int
    tote: str
    order_id: int
    order_ref: str
    order_status: str
    order_line_id: int
    line_qty: int
    line_qty_picked: int
    line_status: str


class PullFloorTask(Struct):
    """Follow-up work assigned to this device's user: count a bin, put units back from a tote."""

    id: int
    kind: str  # cycle_count | put_away | …
    status: str
    location: str | None  # the bin (a count); None for a put-away (the picker chooses the bin)
    sku: str | None  # None: count everything the bin holds
    product_name: str
    barcodes: list[str]
    lot: str
    qty: int
    tote: str
    note: str
    created_at: dt.datetime


class PullProduct(Struct):
    """A product as a phone needs it to know a scan offline: every code that names it (the printed
    barcodes and their 14-digit GTINs), and whether it is still in use."""

    id: int
    sku: str
    name: str
    barcodes: list[str]
    active: bool


class PullBin(Struct):
    """A location code a scan may name, and its kind (bin, staging, dock, returns)."""

    id: int
    code: str
    kind: str


class PullBinStock(Struct):
    """What the book holds at a location × SKU × lot (id: the stock row): a count asks about every
    SKU the book has in the bin. 0: the bin no longer holds it."""

    id: int
    location: str
    sku: str
    lot: str
    on_hand: int


class PullException(Struct):
    id: int
    kind: str
    code: str
    message: str
    status: str
    device_id: str | None
    seq: int | None
    order_id: int | None
    people: str
    created_at: dt.datetime


class PullPackage(Struct):
    """A package on one of the driver's routes."""

    id: int
    code: str
    status: str
    order_id: int
    order_ref: str
    customer: str
    address: str
    route_id: int | None = None
    stop_id: int | None = None
    tracking_number: str = ""


class PullRoute(Struct):
    """One of the driver's routes: a day's round from the depot."""

    id: int
    code: str
    day: dt.date
    status: str  # planned | out | done
    area: str
    depot: str
    depot_lat: float | None = None
    depot_lon: float | None = None


class PullStop(Struct):
    """A stop on a route: where to go, whom to ask for, in driving order (`seq`)."""

    id: int
    route_id: int
    seq: int
    status: str  # pending | delivered | failed | partial
    customer: str
    phone: str
    line1: str
    line2: str
    city: str
    postcode: str
    country: str
    lat: float | None = None
    lon: float | None = None


class PullPackLine(Struct):
    id: int
    line_no: int
    sku: str
    name: str
    barcodes: list[str]
    qty: int
    qty_picked: int
    packed: int
    status: str


class PullPackPackage(Struct):
    code: str
    status: str
    sealed: bool
    package_type: str
    weight_g: int
    tracking_number: str
    items: dict[str, int]  # order line id → units in this package


class PullPackOrder(Struct):
    """An order waiting at the pack bench (or just stopped there), with what is packed so far."""

    id: int
    external_ref: str
    status: str
    promised_at: dt.datetime | None
    created_at: dt.datetime
    customer: str
    totes: list[str]
    lines: list[PullPackLine]
    packages: list[PullPackPackage]


class PullPackageType(Struct):
    id: int
    code: str
    name: str
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_g: int


class Removed(Struct, frozen=True):
    entity: str
    id: int


class PullRmaLine(Struct):
    id: int
    sku: str
    name: str
    barcodes: list[str]
    qty_expected: int
    qty_received: int


class PullRma(Struct, kw_only=True):
    """An RMA whose parcel may come back to the bench: scanned by its code, or by a code of the
    order's packages (their codes and tracking numbers), with the lines it expects."""

    id: int
    code: str
    order_id: int
    order_ref: str
    customer: str
    reason: str
    status: str
    package_codes: list[str]
    lines: list[PullRmaLine]


class PullOut(Struct):
    cursor: str
    reset: bool
    scope: str
    server_time: dt.datetime
    # The sync epoch (docs/sync-protocol.md, "Restores and the sync epoch"): a phone that sees it change
    # knows the server was restored from a backup; its cursor of the old epoch already got a snapshot.
    epoch: str = ""
    tasks: list[PullTask] = []
    packages: list[PullPackage] = []
    exceptions: list[PullException] = []
    routes: list[PullRoute] = []
    stops: list[PullStop] = []
    pack_orders: list[PullPackOrder] = []
    package_types: list[PullPackageType] = []
    floor_tasks: list[PullFloorTask] = []
    receipts: list[Receipt] = []  # stock purchase orders to receive (pickers, packers)
    rmas: list[PullRma] = []
    catalog: list[PullProduct] = []
    bins: list[PullBin] = []
    bin_stock: list[PullBinStock] = []
    removed: list[Removed] = []
    summary: dict[str, Any] = {}


class QuarantinedOpOut(Struct):
    """One op a revoked phone sent, kept for a supervisor, and what became of it."""

    seq: int
    type: str
    version: int
    args: Any
    at: str | None  # the phone's clock when the op was made, as it sent it
    received_at: dt.datetime
    status: Literal["pending", "applied", "discarded"]
    handled_by: str | None
    handled_at: dt.datetime | None
    reason: str
    ledger_id: int | None
    outcome: dict[str, Any] | None  # the engine's answer when it was applied


Seqs = Annotated[
    list[Annotated[int, Meta(ge=1, le=2_147_483_647)]], Meta(min_length=1, max_length=1_000, description="the ops' seqs")
]


class ApplyQuarantinedIn(Struct, forbid_unknown_fields=True):
    seqs: Seqs


class DiscardQuarantinedIn(Struct, forbid_unknown_fields=True):
    seqs: Seqs
    reason: Annotated[str, Meta(min_length=1, max_length=500, pattern=r"\S", description="why: kept for the audit")]


class HandOverResult(Struct):
    seq: int
    # applied / adjusted / rejected: the engine's outcome; discarded; already_handled (applied or
    # discarded before: nothing was done this time).
    status: Literal["applied", "adjusted", "rejected", "discarded", "already_handled"]
    code: str | None
    message: str | None
    ledger_id: int | None = None
    result: dict[str, Any] | None = None
