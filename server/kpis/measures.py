"""The KPIs, computed from plain rows read from the ledger and the order timeline (server/kpis/service.py
reads them). No I/O here: each function takes the period and the facts, and returns the KPI with
its total and one point per bucket. The definitions are docs/kpis.md, word for word.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from server.kpis.period import Period
from server.kpis.schemas import Kpi, PickerRate, Point

T = TypeVar("T")

# A gap longer than this between two scans of one picker starts a new working session.
SESSION_GAP = dt.timedelta(minutes=30)
# Pick outcomes that count against accuracy: the wrong item scanned, more units than the line
# needed, or fewer units in the bin than the book said.
PICK_ERRORS = frozenset({"over_pick", "stock_discrepancy", "wrong_item"})


@dataclass(frozen=True, slots=True)
class OrderFlow:
    """An order's journey as its timeline recorded it, with its units."""

    order_id: int
    received_at: dt.datetime
    promised_at: dt.datetime | None
    shipped_at: dt.datetime | None  # its first 'shipped' event
    delivered_at: dt.datetime | None  # its first 'delivered' event
    cancelled_at: dt.datetime | None
    ordered_units: int
    picked_units: int


@dataclass(frozen=True, slots=True)
class PickScan:
    """A pick or short-pick op from the ledger."""

    picker: str
    op_type: str  # pick | pick_short
    status: str  # applied | adjusted | rejected
    code: str | None
    units: int  # units that went to the order line (the result's `picked`); 0 for a short pick
    at: dt.datetime  # when it happened: the device's clock, else the commit time
    committed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReturnScan:
    order_id: int
    units: int
    committed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RmaOpened:
    """An RMA authorised, with the units it expects back."""

    units: int
    created_at: dt.datetime


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count), 2 decimals."""
    return round(statistics.median(values), 2) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: the value at rank ⌈0.9·n⌉ of the sorted values, 2 decimals."""
    if not values:
        return None
    return round(sorted(values)[math.ceil(0.9 * len(values)) - 1], 2)


def _grouped(period: Period, items: Iterable[T], when: Callable[[T], dt.datetime]) -> dict[dt.date, list[T]]:
    grouped: dict[dt.date, list[T]] = defaultdict(list)
    for item in items:
        grouped[period.bucket_of(when(item))].append(item)
    return grouped


def _at(point: Point, bucket: dt.date) -> Point:
    point.bucket = bucket
    return point


def _series(
    period: Period, items: Iterable[T], when: Callable[[T], dt.datetime], point: Callable[[list[T]], Point]
) -> list[Point]:
    """One point per bucket of the period (empty buckets too), from the items that fall in it."""
    grouped = _grouped(period, items, when)
    return [_at(point(grouped.get(bucket, [])), bucket) for bucket in period.buckets()]


def _within(period: Period, when: dt.datetime | None) -> bool:
    return when is not None and period.start <= when < period.end


def lead_time(period: Period, flows: Sequence[OrderFlow]) -> Kpi:
    shipped = [f for f in flows if _within(period, f.shipped_at)]
    delivered = [f for f in flows if _within(period, f.delivered_at)]

    def point(ship: list[OrderFlow], deliver: list[OrderFlow]) -> Point:
        to_ship = [_hours(f.shipped_at - f.received_at) for f in ship if f.shipped_at]
        to_deliver = [_hours(f.delivered_at - f.received_at) for f in deliver if f.delivered_at]
        parts: dict[str, float | int | None] = {
            "shipped_orders": len(to_ship),
            "shipped_median_h": median(to_ship),
            "shipped_p90_h": p90(to_ship),
            "delivered_orders": len(to_deliver),
            "delivered_median_h": median(to_deliver),
            "delivered_p90_h": p90(to_deliver),
        }
        return Point(parts["shipped_median_h"], parts)

    ship_by = _grouped(period, shipped, lambda f: f.shipped_at or f.received_at)
    deliver_by = _grouped(period, delivered, lambda f: f.delivered_at or f.received_at)
    series = [_at(point(ship_by.get(b, []), deliver_by.get(b, [])), b) for b in period.buckets()]
    return Kpi(name="lead_time", label="Order lead time", unit="hours", total=point(shipped, delivered), series=series)


def on_time_shipment(period: Period, flows: Sequence[OrderFlow]) -> Kpi:
    shipped = [f for f in flows if _within(period, f.shipped_at)]

    def point(group: list[OrderFlow]) -> Point:
        promised = [f for f in group if f.promised_at is not None]
        on_time = sum(1 for f in promised if f.shipped_at and f.promised_at and f.shipped_at <= f.promised_at)
        parts: dict[str, float | int | None] = {
            "on_time": on_time,
            "late": len(promised) - on_time,
            "shipped_with_promise": len(promised),
            "shipped_without_promise": len(group) - len(promised),
        }
        return Point(_share(on_time, len(promised)), parts)

    return Kpi(
        name="on_time_shipment",
        label="On-time shipment",
        unit="share",
        total=point(shipped),
        series=_series(period, shipped, lambda f: f.shipped_at or f.received_at, point),
    )


def fill_rate(period: Period, flows: Sequence[OrderFlow]) -> Kpi:
    received = [f for f in flows if _within(period, f.received_at)]

    def point(group: list[OrderFlow]) -> Point:
        kept = [f for f in group if f.cancelled_at is None or f.cancelled_at >= period.end]
        out = [f for f in kept if f.shipped_at is not None and f.shipped_at < period.end]
        ordered = sum(f.ordered_units for f in kept)
        shipped = sum(f.picked_units for f in out)
        parts: dict[str, float | int | None] = {
            "orders": len(kept),
            "ordered_units": ordered,
            "shipped_orders": len(out),
            "shipped_units": shipped,
            "cancelled_orders": len(group) - len(kept),
        }
        return Point(_share(shipped, ordered), parts)

    return Kpi(
        name="fill_rate",
        label="Fill rate",
        unit="share",
        total=point(received),
        series=_series(period, received, lambda f: f.received_at, point),
    )


def return_rate(period: Period, flows: Sequence[OrderFlow], returns: Sequence[ReturnScan]) -> Kpi:
    delivered = [f for f in flows if _within(period, f.delivered_at)]
    returned = [r for r in returns if _within(period, r.committed_at)]

    def point(deliveries: list[OrderFlow], back: list[ReturnScan]) -> Point:
        delivered_units = sum(f.picked_units for f in deliveries)
        returned_units = sum(r.units for r in back)
        parts: dict[str, float | int | None] = {
            "returned_units": returned_units,
            "delivered_units": delivered_units,
            "returned_orders": len({r.order_id for r in back}),
            "delivered_orders": len(deliveries),
        }
        return Point(_share(returned_units, delivered_units), parts)

    deliveries_by = _grouped(period, delivered, lambda f: f.delivered_at or f.received_at)
    returns_by = _grouped(period, returned, lambda r: r.committed_at)
    series = [_at(point(deliveries_by.get(b, []), returns_by.get(b, [])), b) for b in period.buckets()]
    return Kpi(name="return_rate", label="Return rate", unit="share", total=point(delivered, returned), series=series)


def rma_rate(period: Period, flows: Sequence[OrderFlow], rmas: Sequence[RmaOpened]) -> Kpi:
    shipped = [f for f in flows if _within(period, f.shipped_at)]
    opened = [r for r in rmas if _within(period, r.created_at)]

    def point(out: list[OrderFlow], back: list[RmaOpened]) -> Point:
        parts: dict[str, float | int | None] = {
            "rmas": len(back),
            "shipped_orders": len(out),
            "units_expected": sum(r.units for r in back),
            "shipped_units": sum(f.picked_units for f in out),
        }
        return Point(_share(len(back), len(out)), parts)

    shipped_by = _grouped(period, shipped, lambda f: f.shipped_at or f.received_at)
    opened_by = _grouped(period, opened, lambda r: r.created_at)
    series = [_at(point(shipped_by.get(b, []), opened_by.get(b, [])), b) for b in period.buckets()]
    return Kpi(name="rma_rate", label="RMAs per order shipped", unit="share", total=point(shipped, opened), series=series)


def pick_accuracy(period: Period, scans: Sequence[PickScan]) -> Kpi:
    def point(group: list[PickScan]) -> Point:
        picks = [s for s in group if s.op_type == "pick"]
        accurate = sum(1 for s in picks if s.status == "applied")
        errors = sum(1 for s in picks if s.status != "applied" and s.code in PICK_ERRORS)
        short = sum(1 for s in group if s.op_type == "pick_short" and s.status != "rejected")
        parts: dict[str, float | int | None] = {
            "accurate": accurate,
            "errors": errors,
            "short_picks": short,
            "other": len(picks) - accurate - errors,
            "pick_ops": len(picks),
        }
        return Point(_share(accurate, accurate + errors + short), parts)

    return Kpi(
        name="pick_accuracy",
        label="Pick accuracy",
        unit="share",
        total=point(list(scans)),
        series=_series(period, scans, lambda s: s.committed_at, point),
    )


@dataclass(slots=True)
class _Session:
    picker: str
    first: PickScan
    last: PickScan
    units: int

    @property
    def hours(self) -> float:
        return _hours(self.last.at - self.first.at)


def sessions(scans: Sequence[PickScan]) -> list[_Session]:
    """Each picker's scans in time order, cut where more than SESSION_GAP passed between two scans."""
    found: list[_Session] = []
    by_picker: dict[str, list[PickScan]] = defaultdict(list)
    for scan in scans:
        by_picker[scan.picker].append(scan)
    for picker, own in sorted(by_picker.items()):
        current: _Session | None = None
        for scan in sorted(own, key=lambda s: (s.at, s.committed_at)):
            if current is None or scan.at - current.last.at > SESSION_GAP:
                current = _Session(picker, scan, scan, 0)
                found.append(current)
            current.last = scan
            current.units += scan.units
    return found


def _rate(group: list[_Session]) -> dict[str, float | int | None]:
    timed = [s for s in group if s.hours > 0]
    hours = sum(s.hours for s in timed)
    timed_units = sum(s.units for s in timed)
    return {
        "units": sum(s.units for s in group),
        "timed_units": timed_units,
        "active_hours": round(hours, 2),
        "sessions": len(group),
        "pickers": len({s.picker for s in group}),
        "units_per_hour": round(timed_units / hours, 2) if hours else None,
    }


def units_per_hour(period: Period, scans: Sequence[PickScan]) -> Kpi:
    found = sessions(scans)

    def point(group: list[_Session]) -> Point:
        parts = _rate(group)
        return Point(parts["units_per_hour"], parts)

    by_picker = []
    for picker in sorted({s.picker for s in found}):
        parts = _rate([s for s in found if s.picker == picker])
        by_picker.append(
            PickerRate(
                picker=picker,
                sessions=int(parts["sessions"] or 0),
                units=int(parts["units"] or 0),
                timed_units=int(parts["timed_units"] or 0),
                active_hours=float(parts["active_hours"] or 0),
                units_per_hour=parts["units_per_hour"],
            )
        )
    return Kpi(
        name="units_per_hour",
        label="Units per hour per picker",
        unit="units/hour",
        total=point(found),
        series=_series(period, found, lambda s: s.first.committed_at, point),
        by_picker=by_picker,
    )
