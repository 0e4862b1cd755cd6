"""Own-fleet delivery routes: drops grouped by postcode area, each area's tour ordered by nearest
neighbour and then 2-opt, and a tour too long for one van cut into consecutive routes.

Pure: plain data in, plain data out, stdlib only. Same input (in any order) → same plan.

Route labels carry the country, "GB-LS" or "DE-50", because the same area code exists in several
countries (Dutch "3511" and Belgian "3500" are both area "35") and a route never crosses a border.
Small areas are not merged into a "MIXED" route: whether two stragglers are near enough to share a
van is a question of distance, not of postcode, and an honest one-stop route is left to the
dispatcher rather than hidden in a long one.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

ROAD_FACTOR = 1.3  # roads are longer than the great circle; 1.3 is the usual rule of thumb for town and country
EARTH_RADIUS_KM = 6371.0088  # mean radius

# Countries whose postcodes have the UK's shape: the Crown Dependencies use it too ("JE2 3AB").
_UK_STYLE = frozenset({"GB", "UK", "GG", "JE", "IM"})
_UK_AREA = re.compile(r"([A-Z]{1,2})[0-9]")
_TWO_DIGITS = re.compile(r"[0-9]{2}")
# A 2-opt move must shorten the tour by more than this (km) to count: float noise alone must never
# keep the loop going or make the plan depend on rounding.
_IMPROVEMENT_KM = 1e-9

Point = tuple[float, float]  # (lat, lon) in degrees


@dataclass(frozen=True, slots=True)
class Drop:
    """One delivery address with its packages."""

    key: str  # stable id of the address (e.g. "addr:17"); groups packages
    postcode: str
    country: str
    lat: float | None
    lon: float | None
    packages: tuple[str, ...]  # package codes, in the order given


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """One van's round: the area it serves, its stops in driving order, and an estimate of its length."""

    area: str  # "GB-LS", "DE-50"; just the area code ("LS") when the drops name no country
    stops: tuple[Drop, ...]  # in driving order from the depot
    km: float | None  # depot→stops→depot by road (great circle × ROAD_FACTOR); None without a depot or a stop's coordinates


def postcode_area(postcode: str, country: str) -> str:
    """The postcode area a drop belongs to: "LS1 4AB" (GB) → "LS", "50667" (DE) → "50", "T12 X2Y3" (IE) → "T12"."""
    code = postcode.strip().upper()
    if not code:
        return "?"
    if country.strip().upper() in _UK_STYLE and (uk := _UK_AREA.match(code)):
        return uk.group(1)
    # Numeric postcodes (DE, FR, US, NL's "3511 LK", PT's "1234-567"): the first two digits are a region.
    if _TWO_DIGITS.match(code):
        return code[:2]
    # Anything else, e.g. Ireland's Eircode or Canada's "K1A 0B1": the first part is the routing key.
    return code.split()[0]


def plan_routes(drops: Sequence[Drop], depot: Point | None, *, max_stops: int = 25) -> list[PlannedRoute]:
    """Routes for the drops: one or more per (country, postcode area), each at most `max_stops` stops,
    sorted by area label. `depot` is (lat, lon). Raises ValueError for `max_stops` < 1 or a repeated key."""
    if max_stops < 1:
        raise ValueError(f"max_stops must be at least 1, got {max_stops}")
    areas: dict[tuple[str, str], list[Drop]] = {}
    for drop in _by_key(drops):
        country = drop.country.strip().upper()
        areas.setdefault((country, postcode_area(drop.postcode, country)), []).append(drop)
    routes: list[PlannedRoute] = []
    for country, area in sorted(areas):
        tour = order_stops(areas[country, area], depot)
        chunks = _chunks(tour, max_stops)
        for chunk in chunks:
            # A piece of a tour is not quite a tour of its own (it now starts and ends at the
            # depot), so it gets its own 2-opt pass; one piece is already the finished tour.
            stops = _reordered(chunk, depot) if len(chunks) > 1 else chunk
            label = f"{country}-{area}" if country else area
            routes.append(PlannedRoute(label, tuple(stops), route_km(stops, depot)))
    return routes


def order_stops(drops: Sequence[Drop], depot: Point | None) -> list[Drop]:
    """The drops in driving order: nearest neighbour from the depot (without one, from the drop nearest
    the centroid), then 2-opt until no move shortens the tour. Drops without coordinates come last,
    by postcode then key. Raises ValueError for a repeated key."""
    ordered = _by_key(drops)
    located = [(drop, point) for drop in ordered if (point := _point(drop)) is not None]
    unlocated = sorted((drop for drop in ordered if _point(drop) is None), key=lambda d: (d.postcode.strip().upper(), d.key))
    legs = _Legs([point for _, point in located], depot)
    return [located[i][0] for i in _two_opt(_nearest_neighbour(legs), legs)] + unlocated


def route_km(stops: Sequence[Drop], depot: Point | None) -> float | None:
    """Road kilometres depot → stops in the given order → depot (great circle × ROAD_FACTOR); None
    without a depot or when a stop has no coordinates."""
    if depot is None:
        return None
    path = [depot]
    for stop in stops:
        point = _point(stop)
        if point is None:
            return None
        path.append(point)
    path.append(depot)
    return ROAD_FACTOR * math.fsum(great_circle_km(a, b) for a, b in itertools.pairwise(path))


def great_circle_km(a: Point, b: Point) -> float:
    """Haversine distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _by_key(drops: Sequence[Drop]) -> list[Drop]:
    """The drops sorted by key, so that the input's order never shows in the plan; rejects a repeated key."""
    ordered = sorted(drops, key=lambda d: d.key)
    for before, after in itertools.pairwise(ordered):
        if before.key == after.key:
            raise ValueError(f"duplicate drop key {before.key!r}")
    return ordered


def _point(drop: Drop) -> Point | None:
    if drop.lat is None or drop.lon is None or not (math.isfinite(drop.lat) and math.isfinite(drop.lon)):
        return None
    return (drop.lat, drop.lon)


class _Legs:
    """Great-circle distances between stops (by index) and to the depot, worked out once.

    Without a depot a tour is an open path, so its ends cost nothing: the van's start is unknown,
    and only the driving between stops is the planner's to shorten."""

    __slots__ = ("between", "depot", "points", "to_depot")

    def __init__(self, points: list[Point], depot: Point | None) -> None:
        self.points = points
        self.depot = depot
        self.between = [[great_circle_km(a, b) for b in points] for a in points]
        self.to_depot = [great_circle_km(depot, p) if depot is not None else 0.0 for p in points]

    def leg(self, a: int | None, b: int | None) -> float:
        """Distance from stop a to stop b; None stands for the depot (or for nowhere without one)."""
        if a is None:
            return 0.0 if b is None else self.to_depot[b]
        return self.to_depot[a] if b is None else self.between[a][b]


def _nearest_neighbour(legs: _Legs) -> list[int]:
    """A first tour: always drive to the nearest stop not yet visited, ties to the lower index (= key)."""
    n = len(legs.points)
    if n == 0:
        return []
    if legs.depot is not None:
        here = min(range(n), key=lambda i: (legs.to_depot[i], i))
    else:
        centroid = (math.fsum(p[0] for p in legs.points) / n, math.fsum(p[1] for p in legs.points) / n)
        here = min(range(n), key=lambda i: (great_circle_km(centroid, legs.points[i]), i))
    tour = [here]
    left = set(range(n)) - {here}
    while left:
        here = min(left, key=lambda i: (legs.between[here][i], i))
        tour.append(here)
        left.remove(here)
    return tour


def _two_opt(tour: list[int], legs: _Legs) -> list[int]:
    """Reverse stretches of the tour while that shortens it; returns a tour no 2-opt move improves.

    Scans moves in a fixed order and takes the first improving one, so the result is deterministic."""
    tour = list(tour)
    n = len(tour)
    improved = True
    while improved:
        improved = False
        for i in range(n - 1):
            before_i = tour[i - 1] if i > 0 else None
            for j in range(i + 1, n):
                after_j = tour[j + 1] if j < n - 1 else None
                now = legs.leg(before_i, tour[i]) + legs.leg(tour[j], after_j)
                reversed_ = legs.leg(before_i, tour[j]) + legs.leg(tour[i], after_j)
                if reversed_ < now - _IMPROVEMENT_KM:
                    tour[i : j + 1] = tour[i : j + 1][::-1]
                    improved = True
    return tour


def _reordered(stops: list[Drop], depot: Point | None) -> list[Drop]:
    """2-opt applied to stops already in a good order (never longer than that order); unlocated stay last."""
    located = [(stop, point) for stop in stops if (point := _point(stop)) is not None]
    unlocated = [stop for stop in stops if _point(stop) is None]
    legs = _Legs([point for _, point in located], depot)
    return [located[i][0] for i in _two_opt(list(range(len(located))), legs)] + unlocated


def _chunks(tour: list[Drop], max_stops: int) -> list[list[Drop]]:
    """The tour cut into as few consecutive pieces as `max_stops` allows, as even as possible
    (26 stops at 25 a van make 13 + 13, not 25 + 1)."""
    count = max(1, -(-len(tour) // max_stops))
    size, extra = divmod(len(tour), count)
    pieces: list[list[Drop]] = []
    start = 0
    for piece in range(count):
        end = start + size + (1 if piece < extra else 0)
        pieces.append(tour[start:end])
        start = end
    return pieces
