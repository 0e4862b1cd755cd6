"""Wire types for waves and pick tasks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from msgspec import Meta, Struct


class WaveIn(Struct, forbid_unknown_fields=True):
    order_ids: Annotated[list[Annotated[int, Meta(ge=1, le=2_147_483_647)]], Meta(min_length=1, max_length=200)]
    picker: Annotated[str, Meta(min_length=1, max_length=64, description="username of a picker")]


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


class WaveOut(Struct):
    id: int
    picker: str
    status: str
    created_at: dt.datetime
    tasks: list[TaskOut]
