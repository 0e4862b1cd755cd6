"""Wire types of the KPIs: each KPI a total for the period and a series of buckets, alike in shape."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from msgspec import Struct, field

KpiName = Literal["lead_time", "pick_accuracy", "on_time_shipment", "fill_rate", "return_rate", "units_per_hour", "rma_rate"]
KPI_NAMES: tuple[str, ...] = KpiName.__args__  # type: ignore[attr-defined]


class Point(Struct):
    """One number of a KPI with what it was computed from: `value` is the headline (null when there
    was nothing to measure), `parts` its numerator, denominator and companions by name."""

    value: float | None
    parts: dict[str, float | int | None]
    bucket: dt.date | None = None  # None for the period's total


class PickerRate(Struct):
    """Units per hour of one picker over the period."""

    picker: str
    sessions: int
    units: int
    timed_units: int
    active_hours: float
    units_per_hour: float | None


class Kpi(Struct, kw_only=True):
    name: str
    label: str
    unit: Literal["share", "hours", "units/hour"]
    total: Point
    series: list[Point]
    by_picker: list[PickerRate] | None = None


class KpisOut(Struct, kw_only=True):
    """The KPIs of the whole UTC days `from`..`to`, bucketed by day, week (from Monday) or month."""

    from_: dt.date = field(name="from")
    to: dt.date
    bucket: str
    buckets: list[dt.date]
    kpis: list[Kpi]
