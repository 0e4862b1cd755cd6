"""Wire types of the supervisor's exception queue and its actions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

Username = Annotated[str, Meta(min_length=1, max_length=64)]
ExceptionRef = Annotated[int, Meta(ge=1, le=2_147_483_647, description="the queue item this action closes")]


class FloorTaskOut(Struct):
    id: int
    kind: str
    status: str
    location: str | None
    sku: str | None
    lot: str
    qty: int
    tote: str
    order_id: int | None
    package: str | None
    note: str
    created_at: dt.datetime
    assignee: str | None = None  # the username whose phone has it


class OpenPickTask(Struct):
    """An open pick task of the exception's order line: what "reassign" acts on."""

    id: int
    picker: str
    location: str
    qty: int
    qty_picked: int


class Evidence(Struct):
    """What the device (or the server) recorded: the op as sent and the outcome the ledger kept."""

    op: str
    args: dict[str, Any]
    result: dict[str, Any]
    status: str
    actor: str | None
    device_at: dt.datetime | None
    committed_at: dt.datetime
    book: int | None = None  # counts: what the book held …
    counted: int | None = None  # … and what was counted


class ExceptionOut(Struct):
    id: int
    kind: str
    code: str
    message: str
    status: str
    device_id: str | None
    seq: int | None
    order_id: int | None
    order_line_id: int | None
    location: str | None
    sku: str | None
    qty: int
    people: str
    created_at: dt.datetime
    order_ref: str | None = None
    order_status: str | None = None
    resolution: str = ""
    resolved_by: str | None = None
    resolved_at: dt.datetime | None = None
    evidence: Evidence | None = None
    floor_tasks: list[FloorTaskOut] = []  # follow-up work the same op created (approvals, counts, put-aways)
    pick_tasks: list[OpenPickTask] = []
    # The actions that fit: "approve" (a linked approval task), "count", "reassign", "re_release", "resolve".
    actions: list[str] = []


class ResolveIn(Struct, forbid_unknown_fields=True):
    comment: Annotated[str, Meta(max_length=500, description="kept in the exception's history")] = ""


class CountTaskIn(Struct, forbid_unknown_fields=True):
    location: Annotated[str, Meta(min_length=1, max_length=64, description="the bin to count")]
    sku: Annotated[str, Meta(min_length=1, max_length=64, description="only this SKU; default: all the bin holds")] | None = None
    assignee: Username | None = None
    exception_id: ExceptionRef | None = None


class ReReleaseIn(Struct, forbid_unknown_fields=True):
    picker: Username | None = None
    exception_id: ExceptionRef | None = None


class ActionOut(Struct):
    """What an action did, in words for the supervisor, with the rows it touched."""

    message: str
    result: dict[str, Any]
    exception_id: int | None = None


Status = Literal["open", "resolved", "all"]
Kind = Literal["conflict", "rejected_op", "short_pick", "stock_discrepancy", "failed_delivery"]
