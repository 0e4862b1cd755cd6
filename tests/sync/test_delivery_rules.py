"""The packing and own-fleet delivery rules on a hand-built State (no database, no HTTP): sealing,
planning stops onto routes, the driver's load scan, proof of delivery settling stops and routes,
and packages coming back to the depot."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.engine import apply_batch
from sync.model import (
    Address,
    Line,
    Order,
    Package,
    PackageItem,
    PackageType,
    Product,
    ScopeExit,
    State,
    User,
)
from sync.ops import (
    AssignRoute,
    CreateRoute,
    Deliver,
    DeliverFailed,
    MoveStop,
    Pack,
    RecordShipment,
    ReorderRoute,
    ReturnToDepot,
    Seal,
    Ship,
)

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
DAY = NOW.date()
ADMIN, DAN, DEE, PIA = 1, 2, 3, 4


def floor(orders: int = 3, sealed: bool = True) -> State:
    """`orders` picked orders of 2 × SKU-A, each in one package PK-<n> (sealed unless told), order 3
    sharing order 1's address."""
    state = State(warehouse_id=1)
    state.products[1] = Product(1, "SKU-A", "Thing")
    state.products_by_sku["SKU-A"] = state.products[1]
    for user in (User(ADMIN, "ada", "admin", True), User(DAN, "dan", "driver", True), User(DEE, "dee", "driver", True)):
        state.users[user.id] = user
        state.users_by_name[user.username] = user
    state.users[PIA] = state.users_by_name["pia"] = User(PIA, "pia", "picker", True)
    for kind in (PackageType(1, "BOX-M", 5000), PackageType(2, "OLD-BOX", 0, active=False)):
        state.package_types_by_code[kind.code] = kind
    for n in range(1, orders + 1):
        address = 1 if n == 3 else n
        state.addresses[address] = Address(address, n, f"{n} Mill Lane", "", "Leeds", f"LS{n} 1AA", "", "GB")
        order = Order(n, 1, f"WEB-{n}", n, address, 1, "packed", "paid", f"token-{n:04d}", NOW, NOW)
        state.orders[n] = order
        state.lines[n] = Line(n, n, 1, 1, 2, 2, 2, "picked")
        package = Package(n, f"PK-{n}", n, "open", "", NOW, sealed_at=NOW if sealed else None, package_type="BOX-M")
        state.packages[n] = package
        state.packages_by_code[package.code] = package
        state.package_items[n] = PackageItem(n, n, n, 2)
    return state


def apply(state: State, *ops, actor: int = ADMIN):
    return apply_batch(state, list(ops), now=NOW, actor=actor)


def one(state: State, op, actor: int = ADMIN):
    (outcome,) = apply(state, op, actor=actor)
    return outcome


def routed(state: State) -> tuple[int, list[int]]:
    """Orders 1 and 3 (one address) at stop 1, order 2 at stop 2, on a route for dan."""
    outcome = one(state, CreateRoute(day=DAY, area="GB-LS", driver="dan", stops=[["PK-1", "PK-3"], ["PK-2"]]))
    assert outcome.status == "applied", outcome
    return outcome.result["route_id"], outcome.result["stop_ids"]


# -- sealing -------------------------------------------------------------------------------------


def test_a_package_is_sealed_with_its_type_and_weight_and_a_repeat_is_a_no_op():
    state = floor(sealed=False)
    first = one(state, Seal(package="PK-1", package_type="BOX-M", weight_g=1200))
    assert (first.status, first.result["duplicate"]) == ("applied", False)
    package = state.packages[1]
    assert (package.sealed_at, package.package_type, package.weight_g) == (NOW, "BOX-M", 1200)
    again = one(state, Seal(package="PK-1", package_type="BOX-M", weight_g=1200))
    assert (again.status, again.result["duplicate"]) == ("applied", True)
    other = one(state, Seal(package="PK-1", package_type="BOX-M", weight_g=900))
    assert (other.status, other.code, other.field) == ("rejected", "package_sealed", "package")


@pytest.mark.parametrize(("package_type", "code"), [("BOX-XXL", "unknown_package_type"), ("OLD-BOX", "unknown_package_type")])
def test_sealing_with_a_type_not_in_use_is_rejected(package_type, code):
    state = floor(sealed=False)
    outcome = one(state, Seal(package="PK-1", package_type=package_type, weight_g=100))
    assert (outcome.status, outcome.code, outcome.field) == ("rejected", code, "package_type")
    assert state.packages[1].sealed_at is None


def test_an_overweight_package_is_sealed_as_weighed_and_flagged():
    state = floor(sealed=False)
    outcome = one(state, Seal(package="PK-1", package_type="BOX-M", weight_g=7000))
    assert (outcome.status, outcome.code) == ("adjusted", "overweight")
    assert state.packages[1].weight_g == 7000


def test_nothing_goes_into_a_sealed_package():
    state = floor()
    state.orders[1].status = "picked"
    state.lines[1].qty_picked = 2
    state.package_items[1].qty = 1
    outcome = one(state, Pack(order_line_id=1, sku="SKU-A", qty=1, package="PK-1"))
    assert (outcome.status, outcome.code) == ("rejected", "package_sealed")


def test_sealing_a_package_of_a_cancelled_order_is_refused_with_an_unpack_task():
    state = floor(sealed=False)
    state.orders[1].status = "cancelled"
    outcome = one(state, Seal(package="PK-1", package_type="BOX-M", weight_g=100))
    assert (outcome.status, outcome.code) == ("rejected", "order_cancelled")


# -- planning and editing routes ---------------------------------------------------------------


def test_a_route_puts_each_address_at_one_stop_in_the_given_order():
    state = floor()
    route_id, (first, second) = routed(state)
    route = state.routes[route_id]
    assert (route.driver, route.status, route.area) == (DAN, "planned", "GB-LS")
    assert [(s.id, s.seq) for s in state.stops_of(route_id)] == [(first, 1), (second, 2)]
    assert [p.code for p in state.packages_at(first)] == ["PK-1", "PK-3"]
    assert {p.carrier for p in state.packages.values()} == {"own_fleet"}


@pytest.mark.parametrize(
    ("stops", "code"),
    [
        ([["PK-1", "PK-2"]], "mixed_addresses"),
        ([["PK-1"], ["PK-1"]], "duplicate_package"),
        ([["PK-9"]], "unknown_package"),
    ],
)
def test_a_plan_that_does_not_fit_the_packages_is_refused_whole(stops, code):
    state = floor()
    outcome = one(state, CreateRoute(day=DAY, stops=stops))
    assert (outcome.status, outcome.code) == ("rejected", code)
    assert not state.routes and all(p.stop is None for p in state.packages.values())


def test_only_sealed_packages_not_yet_on_a_route_are_planned():
    state = floor(sealed=False)
    assert one(state, CreateRoute(day=DAY, stops=[["PK-1"]])).code == "package_not_ready"
    state = floor()
    routed(state)
    assert one(state, CreateRoute(day=DAY, stops=[["PK-2"]])).code == "already_routed"
    state = floor()
    state.orders[2].status = "cancelled"
    assert one(state, CreateRoute(day=DAY, stops=[["PK-2"]])).code == "order_cancelled"


def test_a_route_goes_only_to_an_active_driver():
    state = floor()
    outcome = one(state, CreateRoute(day=DAY, driver="pia", stops=[["PK-2"]]))
    assert (outcome.status, outcome.code, outcome.field) == ("rejected", "not_a_driver", "driver")


def test_stops_are_reordered_only_as_a_whole_set():
    state = floor()
    route_id, (first, second) = routed(state)
    bad = one(state, ReorderRoute(route=route_id, stops=[second]))
    assert (bad.status, bad.code, bad.field) == ("rejected", "stops_mismatch", "stops")
    assert one(state, ReorderRoute(route=route_id, stops=[second, first])).status == "applied"
    assert [s.id for s in state.stops_of(route_id)] == [second, first]


def test_a_stop_moved_to_another_drivers_route_leaves_the_first_drivers_phone():
    state = floor()
    route_id, (first, second) = routed(state)
    other = one(state, CreateRoute(day=DAY, driver="dee", stops=[["PK-2"]]))  # PK-2 is taken: refused
    assert other.code == "already_routed"
    state.packages[2].stop = None  # free PK-2 again, as if it came back
    state.stops.pop(second)
    other_id = one(state, CreateRoute(day=DAY, driver="dee", stops=[["PK-2"]])).result["route_id"]
    moved = one(state, MoveStop(stop=first, route=other_id, position=1))
    assert moved.status == "applied", moved
    assert [s.id for s in state.stops_of(other_id)][0] == first
    assert state.stops_of(route_id) == []
    exits = {(e.scope, e.entity, e.entity_id) for e in state.new if isinstance(e, ScopeExit)}
    assert ("driver:2", "route_stop", first) in exits and ("driver:2", "package", 1) in exits


def test_a_loaded_stop_cannot_move_to_another_van():
    state = floor()
    route_id, (first, _) = routed(state)
    state.packages[3].stop = None  # a stop of its own for PK-3 on a second route
    other_id = one(state, CreateRoute(day=DAY, stops=[["PK-3"]])).result["route_id"]
    assert one(state, Ship(package="PK-1", route=route_id), actor=DAN).status == "applied"
    outcome = one(state, MoveStop(stop=first, route=other_id))
    assert (outcome.status, outcome.code) == ("rejected", "packages_loaded")


def test_reassigning_a_route_tombstones_it_for_the_old_driver():
    state = floor()
    route_id, stops = routed(state)
    assert one(state, AssignRoute(route=route_id, driver="dee")).status == "applied"
    assert state.routes[route_id].driver == DEE
    exits = {(e.scope, e.entity, e.entity_id) for e in state.new if isinstance(e, ScopeExit)}
    assert {("driver:2", "route", route_id), *(("driver:2", "route_stop", s) for s in stops)} <= exits


# -- the van, the doorstep and back ------------------------------------------------------------


def test_the_load_scan_takes_only_this_routes_packages():
    state = floor()
    route_id, _ = routed(state)
    state.packages[3].stop = None
    other_id = one(state, CreateRoute(day=DAY, area="GB-WF", stops=[["PK-3"]])).result["route_id"]
    wrong = one(state, Ship(package="PK-3", route=route_id), actor=DAN)
    assert (wrong.status, wrong.code) == ("rejected", "other_route")
    assert f"route {other_id} GB-WF" in wrong.message
    assert state.packages[3].status == "open"
    right = one(state, Ship(package="PK-1", route=route_id), actor=DAN)
    assert right.status == "applied" and state.packages[1].status == "shipped"
    assert state.routes[route_id].status == "out"
    unplanned = floor()
    assert one(unplanned, CreateRoute(day=DAY, stops=[["PK-2"]])).status == "applied"
    outcome = one(unplanned, Ship(package="PK-1", route=next(iter(unplanned.routes))), actor=DAN)
    assert outcome.code == "not_on_route"


def test_deliveries_settle_stops_and_the_last_one_finishes_the_route():
    state = floor()
    route_id, (first, second) = routed(state)
    for code in ("PK-1", "PK-2", "PK-3"):
        assert one(state, Ship(package=code, route=route_id), actor=DAN).status == "applied"
    one(state, Deliver(package="PK-1", recipient="Amira", signature="sig", photo="pho", lat=53.8, lon=-1.5, accuracy_m=8))
    assert state.stops[first].status == "pending"  # PK-3 is still to hand over at the same door
    one(state, DeliverFailed(package="PK-3", reason="damaged", note="box crushed"))
    assert state.stops[first].status == "partial"
    assert state.routes[route_id].status == "out"
    one(state, DeliverFailed(package="PK-2", reason="not_home"))
    assert (state.stops[second].status, state.routes[route_id].status) == ("failed", "done")
    (failed,) = [d for d in state.deliveries.values() if d.package == 3]
    assert (failed.reason, failed.note) == ("damaged", "box crushed")
    (proof,) = [d for d in state.deliveries.values() if d.package == 1]
    assert (proof.signature, proof.photo, proof.accuracy_m) == ("sig", "pho", 8)


def test_a_failed_package_comes_back_to_the_depot_and_can_be_planned_again():
    state = floor()
    route_id, _ = routed(state)
    one(state, Ship(package="PK-2", route=route_id), actor=DAN)
    one(state, DeliverFailed(package="PK-2", reason="not_home"))
    back = one(state, ReturnToDepot(package="PK-2"), actor=DAN)
    assert back.status == "applied" and back.result["was_failed"] is True
    package = state.packages[2]
    assert (package.status, package.stop, package.sealed) == ("open", None, True)
    assert ("driver:2", "package", 2) in {(e.scope, e.entity, e.entity_id) for e in state.new if isinstance(e, ScopeExit)}
    assert one(state, ReturnToDepot(package="PK-2"), actor=DAN).result["duplicate"] is True
    again = one(state, CreateRoute(day=DAY, stops=[["PK-2"]]))
    assert again.status == "applied"


def test_a_delivered_package_cannot_come_back_to_the_depot():
    state = floor()
    route_id, _ = routed(state)
    one(state, Ship(package="PK-2", route=route_id), actor=DAN)
    one(state, Deliver(package="PK-2", recipient="Jo"))
    outcome = one(state, ReturnToDepot(package="PK-2"), actor=DAN)
    assert (outcome.status, outcome.code) == ("rejected", "already_delivered")


def test_a_carrier_tracking_number_is_recorded_but_not_for_a_package_on_an_own_fleet_route():
    state = floor()
    assert one(state, RecordShipment(package="PK-2", carrier="dhl", tracking_number="JD0001")).status == "applied"
    assert (state.packages[2].carrier, state.packages[2].tracking_number) == ("dhl", "JD0001")
    routed_state = floor()
    routed(routed_state)
    outcome = one(routed_state, RecordShipment(package="PK-2", carrier="dhl", tracking_number="JD0002"))
    assert (outcome.status, outcome.code) == ("rejected", "already_routed")


def test_a_driver_who_delivers_a_colleagues_parcel_is_recorded_and_both_are_named():
    state = floor()
    route_id, _ = routed(state)
    one(state, Ship(package="PK-2", route=route_id), actor=DAN)
    (outcome,) = apply_batch(
        state, [Deliver(package="PK-2", recipient="Jo")], now=NOW, actor=DEE, actor_name="dee", device_id="dee-phone"
    )
    assert (outcome.status, outcome.code) == ("adjusted", "other_drivers_route")
    assert "dan" in outcome.message and state.packages[2].status == "delivered"
    (own,) = apply_batch(
        state, [Deliver(package="PK-1", recipient="Amira")], now=NOW, actor=DAN, actor_name="dan", device_id="dan-phone"
    )
    assert own.status == "applied"


def test_a_parcel_that_went_with_another_carrier_is_not_ours_to_deliver():
    state = floor()
    state.packages[2].carrier = "dhl"
    state.packages[2].status = "shipped"
    for op in (Deliver(package="PK-2", recipient="Jo"), DeliverFailed(package="PK-2", reason="not_home")):
        outcome = one(state, op, actor=DAN)
        assert (outcome.status, outcome.code) == ("rejected", "other_carrier")
    assert state.packages[2].status == "shipped" and not state.deliveries


def test_loading_or_bringing_back_a_colleagues_parcel_names_both_drivers():
    state = floor()
    route_id, _ = routed(state)
    (load,) = apply_batch(
        state, [Ship(package="PK-2", route=route_id)], now=NOW, actor=DEE, actor_name="dee", device_id="dee-phone"
    )
    assert (load.status, load.code) == ("adjusted", "other_drivers_route")
    (back,) = apply_batch(state, [ReturnToDepot(package="PK-2")], now=NOW, actor=DEE, actor_name="dee", device_id="dee-phone")
    assert (back.status, back.code) == ("adjusted", "other_drivers_route")
    assert state.packages[2].status == "open"
