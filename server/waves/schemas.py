"""Wire types for waves and pick tasks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

Username = Annotated[str, Meta(min_length=1, max_length=64, description="username of a picker")]


class WaveIn(Struct, forbid_unknown_fields=True):
    """Orders to release, to one picker (`picker`: one wave) or to several (`pickers`: one wave each,
    the orders split between them by units). Exactly one of the two."""

    order_ids: Annotated[list[Annotated[int, Meta(ge=1, le=2_147_483_647)]], Meta(min_length=1, max_length=200)]
    picker: Username | None = None
    pickers: Annotated[list[Username], Meta(min_length=1, max_length=20)] | None = None


class ReassignWaveIn(Struct, forbid_unknown_fields=True):
    picker: Username
    only_from: Username | None = None  # just the open tasks of this picker (default: every open task)


class TaskOut(Struct):
    id: int
    wave_id: int
    seq: int
    order_id: int
    order_line_id: int
    location: str
    sku: str
    product_name: str
    lot: str
    qty: int
    qty_picked: int
    tote: str
    status: str
    picker: str
    order_ref: str


class WaveOut(Struct):
    id: int
    picker: str
    status: str
    created_at: dt.datetime
    tasks: list[TaskOut]
    done: str = ""  # after an action (reassign): what it did, in plain words


class PickerProgress(Struct):
    picker: str
    tasks: int
    open_tasks: int
    units: int
    picked: int


class WaveSummary(Struct):
    """A wave's progress: open while any of its tasks is open; `pickers` when tasks were reassigned."""

    id: int
    picker: str  # who it was released to
    status: Literal["open", "done"]
    created_at: dt.datetime
    orders: int
    tasks: int
    open_tasks: int
    units: int
    picked: int
    pickers: list[PickerProgress]


class Candidate(Struct):
    """An allocated order that can go into a wave."""

    id: int
    external_ref: str
    channel: str
    customer: str
    promised_at: dt.datetime | None
    created_at: dt.datetime
    lines: int
    units: int
    size: Literal["small", "medium", "large"]
    zones: list[str]
