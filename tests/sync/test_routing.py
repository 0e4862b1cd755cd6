"""Own-fleet routes: drops grouped by postcode area, each tour short and never worse than driving to
the nearest stop every time, and every package on exactly one route."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.routing import Drop, PlannedRoute, great_circle_km, order_stops, plan_routes, postcode_area, route_km

LEEDS = (53.7997, -1.5492)
MANCHESTER = (53.4808, -2.2426)


def _drop(key: str, lat: float | None, lon: float | None, postcode: str = "LS1 1AA", country: str = "GB") -> Drop:
    return Drop(key, postcode, country, lat, lon, (f"PKG-{key}",))


def _length(stops: list[Drop], depot: tuple[float, float] | None) -> float:
    """Great-circle length of the tour; without a depot the open path between stops."""
    points = [(s.lat, s.lon) for s in stops]
    path = [depot, *points, depot] if depot is not None else points
    return math.fsum(great_circle_km(a, b) for a, b in itertools.pairwise(path))  # type: ignore[arg-type]


def _nearest_neighbour(drops: list[Drop], depot: tuple[float, float]) -> list[Drop]:
    """Plain nearest neighbour from the depot, ties to the lower key: the tour 2-opt starts from."""
    left = sorted(drops, key=lambda d: d.key)
    here, tour = depot, []
    while left:
        nearest = min(left, key=lambda d: (great_circle_km(here, (d.lat, d.lon)), d.key))
        tour.append(nearest)
        left.remove(nearest)
        here = (nearest.lat, nearest.lon)
    return tour


def _optimum(drops: list[Drop], depot: tuple[float, float]) -> float:
    """The shortest closed tour, by trying every order (fine for up to 7 stops)."""
    points = [depot] + [(d.lat, d.lon) for d in drops]
    km = [[great_circle_km(a, b) for b in points] for a in points]
    return min(
        km[0][order[0]] + sum(km[a][b] for a, b in itertools.pairwise(order)) + km[order[-1]][0]
        for order in itertools.permutations(range(1, len(points)))
    )


# --- postcode areas --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "country", "area"),
    [
        ("LS1 4AB", "GB", "LS"),
        ("SW1A 1AA", "GB", "SW"),
        ("M1 1AE", "GB", "M"),
        ("ls14ab", "gb", "LS"),
        ("JE2 3AB", "JE", "JE"),
        ("50667", "DE", "50"),
        ("69002", "FR", "69"),
        ("10001", "US", "10"),
        ("10001-1234", "US", "10"),
        ("3511 LK", "NL", "35"),
        ("T12 X2Y3", "IE", "T12"),
        ("k1a 0b1", "CA", "K1A"),
        ("", "GB", "?"),
        ("   ", "DE", "?"),
    ],
)
def test_postcode_area(postcode, country, area):
    assert postcode_area(postcode, country) == area


def test_the_same_area_code_in_two_countries_makes_two_routes_labelled_with_their_country():
    drops = [_drop("k", 50.94, 6.96, "50667", "DE"), _drop("s", 49.12, -1.09, "50000", "FR"), _drop("l", 53.8, -1.55)]
    assert [route.area for route in plan_routes(drops, None)] == ["DE-50", "FR-50", "GB-LS"]


# --- the rules at the edges ------------------------------------------------------------------------


def test_no_drops_no_routes():
    assert plan_routes([], LEEDS) == []
    assert order_stops([], LEEDS) == []


def test_a_van_must_take_at_least_one_stop():
    with pytest.raises(ValueError, match="max_stops"):
        plan_routes([_drop("a", 53.8, -1.5)], LEEDS, max_stops=0)


def test_a_repeated_address_key_is_refused_by_name():
    drops = [_drop("addr:1", 53.8, -1.5), _drop("addr:17", 53.9, -1.5), _drop("addr:17", 53.7, -1.6)]
    with pytest.raises(ValueError, match="addr:17"):
        plan_routes(drops, LEEDS)
    with pytest.raises(ValueError, match="addr:17"):
        order_stops(drops, LEEDS)


def test_route_km_is_the_great_circle_round_trip_times_the_road_factor():
    one_degree = great_circle_km((0.0, 0.0), (0.0, 1.0))
    assert one_degree == pytest.approx(111.195, abs=1e-3)
    assert route_km([_drop("a", 0.0, 1.0)], (0.0, 0.0)) == pytest.approx(2 * one_degree * 1.3)
    assert route_km([], (0.0, 0.0)) == 0.0


def test_route_km_is_unknown_without_a_depot_or_a_stops_coordinates():
    assert route_km([_drop("a", 0.0, 1.0)], None) is None
    assert route_km([_drop("a", 0.0, 1.0), _drop("b", None, None)], (0.0, 0.0)) is None


def test_drops_without_coordinates_go_last_by_postcode_then_key():
    drops = [
        _drop("z-located", 53.81, -1.55),
        _drop("b", None, None, "LS9 1AA"),
        _drop("a", 53.79, -1.54),
        _drop("c", None, -1.5, "LS2 1AA"),
        _drop("d", None, None, "LS2 1AA"),
    ]
    (route,) = plan_routes(drops, LEEDS)
    assert [s.key for s in route.stops][2:] == ["c", "d", "b"]
    assert {s.key for s in route.stops[:2]} == {"a", "z-located"}
    assert route.km is None


# --- the tour is short -----------------------------------------------------------------------------


def test_points_on_a_circle_through_the_depot_are_visited_in_circular_order():
    # Near the equator a degree is a degree both ways, so these are (almost exactly) on a circle.
    angles = [2 * math.pi * k / 8 for k in range(8)]
    points = [(0.1 * math.sin(a), 0.1 * math.cos(a)) for a in angles]
    depot, on_circle = points[0], points[1:]
    keys = ["q", "c", "x", "a", "m", "f", "b"]  # not in circular order, so sorting by key cannot help
    drops = [_drop(key, lat, lon) for key, (lat, lon) in zip(keys, on_circle, strict=True)]
    tour = [s.key for s in order_stops(drops, depot)]
    assert tour in (keys, keys[::-1])
    assert _length(order_stops(drops, depot), depot) == pytest.approx(_optimum(drops, depot), abs=1e-9)


def test_points_on_a_circle_round_the_depot_are_visited_in_circular_order():
    angles = [2 * math.pi * k / 7 for k in range(7)]
    keys = ["e", "g", "a", "d", "b", "f", "c"]
    drops = [_drop(key, 0.1 * math.sin(a), 0.1 * math.cos(a)) for key, a in zip(keys, angles, strict=True)]
    tour = [s.key for s in order_stops(drops, (0.0, 0.0))]
    assert any(tour in (keys[k:] + keys[:k], (keys[k:] + keys[:k])[::-1]) for k in range(7))


@pytest.mark.parametrize(
    ("points", "nearest_neighbour_is_best"),
    [
        # Stops on both sides of the depot: nearest neighbour zigzags, the best tour does one side then the other.
        ([(0.0, 0.01), (0.0, -0.012), (0.0, 0.035), (0.0, -0.04), (0.0, 0.07), (0.0, -0.08)], False),
        # Two clusters and a straggler.
        ([(0.10, 0.10), (0.11, 0.10), (0.10, 0.11), (-0.10, -0.10), (-0.11, -0.10), (-0.10, -0.11), (0.0, 0.2)], False),
        # A small grid off to one side.
        ([(0.1, 0.1), (0.1, 0.2), (0.1, 0.3), (0.2, 0.1), (0.2, 0.2), (0.2, 0.3)], True),
        # Leeds suburbs round a Leeds depot.
        ([(53.83, -1.58), (53.78, -1.48), (53.87, -1.69), (53.75, -1.62), (53.80, -1.45), (53.84, -1.50), (53.72, -1.55)], False),
    ],
    ids=["both sides of the depot", "two clusters", "grid", "Leeds suburbs"],
)
def test_small_hand_made_tours_are_optimal(points, nearest_neighbour_is_best):
    depot = LEEDS if points[0][0] > 50 else (0.0, 0.0)
    drops = [_drop(f"d{n}", lat, lon) for n, (lat, lon) in enumerate(points)]
    best = _optimum(drops, depot)
    assert _length(order_stops(drops, depot), depot) == pytest.approx(best, abs=1e-9)
    # Where nearest neighbour alone falls short, it is 2-opt that found the best tour.
    assert (_length(_nearest_neighbour(drops, depot), depot) > best + 1e-6) is not nearest_neighbour_is_best


_near_leeds = st.tuples(st.floats(53.6, 54.0), st.floats(-1.9, -1.2))


@settings(max_examples=60, deadline=None)
@given(st.lists(_near_leeds, min_size=1, max_size=7), _near_leeds)
def test_the_tour_is_never_longer_than_nearest_neighbour_nor_shorter_than_the_best(points, depot):
    drops = [_drop(f"d{n}", lat, lon) for n, (lat, lon) in enumerate(points)]
    tour = order_stops(drops, depot)
    assert sorted(s.key for s in tour) == sorted(d.key for d in drops)
    km = _length(tour, depot)
    assert km <= _length(_nearest_neighbour(drops, depot), depot) + 1e-9
    assert km >= _optimum(drops, depot) - 1e-9
    # And no single reversal of a stretch shortens it: 2-opt ran until no move improved the tour.
    for i, j in itertools.combinations(range(len(tour)), 2):
        assert _length(tour[:i] + tour[i : j + 1][::-1] + tour[j + 1 :], depot) >= km - 1e-9


@settings(max_examples=40, deadline=None)
@given(st.lists(_near_leeds, min_size=2, max_size=8))
def test_without_a_depot_the_path_between_stops_is_locally_shortest(points):
    drops = [_drop(f"d{n}", lat, lon) for n, (lat, lon) in enumerate(points)]
    tour = order_stops(drops, None)
    km = _length(tour, None)
    for i, j in itertools.combinations(range(len(tour)), 2):
        assert _length(tour[:i] + tour[i : j + 1][::-1] + tour[j + 1 :], None) >= km - 1e-9


# --- splitting, packages and determinism -----------------------------------------------------------

_postcodes = st.sampled_from([("LS1 1AA", "GB"), ("LS6 2BB", "GB"), ("M1 1AE", "GB"), ("50667", "DE"), ("", "GB")])


@st.composite
def _drops(draw) -> list[Drop]:
    count = draw(st.integers(0, 30))
    drops = []
    for n in range(count):
        postcode, country = draw(_postcodes)
        located = draw(st.booleans()) or draw(st.booleans())
        lat, lon = draw(_near_leeds) if located else (None, None)
        packages = tuple(f"P{n}-{k}" for k in range(draw(st.integers(1, 3))))
        drops.append(Drop(f"addr:{n}", postcode, country, lat, lon, packages))
    return drops


@settings(max_examples=80, deadline=None)
@given(_drops(), st.integers(1, 8), st.sampled_from([LEEDS, None]))
def test_routes_respect_max_stops_and_carry_every_package_exactly_once(drops, max_stops, depot):
    routes = plan_routes(drops, depot, max_stops=max_stops)
    assert all(1 <= len(route.stops) <= max_stops for route in routes)
    packages = [p for route in routes for stop in route.stops for p in stop.packages]
    assert sorted(packages) == sorted(p for drop in drops for p in drop.packages)
    for route in routes:
        areas = {(stop.country, postcode_area(stop.postcode, stop.country)) for stop in route.stops}
        assert len(areas) == 1
        located = [stop.lat is not None for stop in route.stops]
        assert located == sorted(located, reverse=True)  # the unlocated at the end
        assert (route.km is None) == (depot is None or not all(located))
    # As few vans per area as max_stops allows.
    by_area: dict[str, list[PlannedRoute]] = {}
    for route in routes:
        by_area.setdefault(route.area, []).append(route)
    for area_routes in by_area.values():
        assert len(area_routes) == -(-sum(len(r.stops) for r in area_routes) // max_stops)


@settings(max_examples=40, deadline=None)
@given(_drops().flatmap(lambda drops: st.tuples(st.just(drops), st.permutations(drops))), st.integers(1, 8))
def test_the_same_drops_in_any_order_give_the_same_plan(drops_and_shuffled, max_stops):
    drops, shuffled = drops_and_shuffled
    assert plan_routes(shuffled, LEEDS, max_stops=max_stops) == plan_routes(drops, LEEDS, max_stops=max_stops)


def test_a_long_area_is_cut_into_consecutive_stretches_of_its_tour():
    rng = random.Random(7)
    drops = [_drop(f"addr:{n}", 53.8 + rng.uniform(-0.1, 0.1), -1.55 + rng.uniform(-0.15, 0.15)) for n in range(26)]
    tour = [s.key for s in order_stops(drops, LEEDS)]
    routes = plan_routes(drops, LEEDS, max_stops=25)
    assert [len(route.stops) for route in routes] == [13, 13]  # even halves, not 25 + 1
    assert {s.key for s in routes[0].stops} == set(tour[:13])
    assert {s.key for s in routes[1].stops} == set(tour[13:])
    for route in routes:  # each stretch gets its own 2-opt pass, which never makes it longer
        stretch = [d for d in drops if d.key in {s.key for s in route.stops}]
        in_tour_order = sorted(stretch, key=lambda d: tour.index(d.key))
        assert route.km <= route_km(in_tour_order, LEEDS) + 1e-9


# --- a day's drops -------------------------------------------------------------------------------


def test_a_day_around_leeds_and_manchester_from_a_leeds_depot_makes_two_routes():
    rng = random.Random(2026)
    drops = [
        Drop(
            f"addr:{n}",
            f"{area}{rng.randint(1, 20)} {rng.randint(1, 9)}AB",
            "GB",
            centre[0] + rng.uniform(-0.06, 0.06),
            centre[1] + rng.uniform(-0.1, 0.1),
            tuple(f"PKG-{n}-{k}" for k in range(rng.randint(1, 3))),
        )
        for n, (area, centre) in enumerate([("LS", LEEDS)] * 22 + [("M", MANCHESTER)] * 18)
    ]
    routes = plan_routes(drops, LEEDS)
    assert [(route.area, len(route.stops)) for route in routes] == [("GB-LS", 22), ("GB-M", 18)]
    leeds, manchester = routes
    # Manchester is ~45 km from Leeds as the crow flies: its van drives there and back.
    assert manchester.km > 2 * 1.3 * great_circle_km(LEEDS, MANCHESTER) > leeds.km
    assert sorted(p for r in routes for s in r.stops for p in s.packages) == sorted(p for d in drops for p in d.packages)
    assert [r.area for r in plan_routes(drops, LEEDS, max_stops=10)] == ["GB-LS"] * 3 + ["GB-M"] * 2
