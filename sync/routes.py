"""Own-fleet routes: planned stops of sealed packages, reordered, moved and given to drivers, and the
tracking numbers carriers give packages. Planning the order of stops is `sync.routing`'s pure job;
these rules only check and record a plan."""

from __future__ import annotations

from typing import Any

from .context import ApplyContext
from .errors import Invalid, NotFound, Rejected
from .model import Package, Route, RouteStop, ScopeExit, State, User
from .ops import AssignRoute, CancelShipment, CreateRoute, MoveStop, RecordShipment, ReorderRoute
from .reads import Reads
from .registry import STAFF, registers

OWN_FLEET = "own_fleet"


def _driver_named(state: State, username: str) -> User:
    user = state.users_by_name.get(username)
    if user is None:
        raise NotFound("unknown_user", f"no user {username!r}", field="driver")
    if user.role != "driver" or not user.active:
        raise Invalid("not_a_driver", f"{username!r} is not an active driver", field="driver")
    return user


def _route_named(state: State, route_id: int, field: str = "route") -> Route:
    route = state.routes.get(route_id)
    if route is None:
        raise NotFound("unknown_route", f"no route {route_id}", field=field)
    return route


def _leaves_driver(state: State, route: Route, stops: list[RouteStop]) -> None:
    """The route's driver no longer holds these stops (and their packages): tombstones for the next pull."""
    if route.driver is None:
        return
    scope = f"driver:{route.driver}"
    for stop in stops:
        state.add(ScopeExit(state.temp_id(), scope, "route_stop", stop.id, 0))
        for package in state.packages_at(stop.id):
            state.add(ScopeExit(state.temp_id(), scope, "package", package.id, 0))


def _renumber(state: State, route_id: int, stops: list[RouteStop]) -> None:
    for seq, stop in enumerate(stops, start=1):
        if stop.seq != seq or stop.route != route_id:
            stop.seq = seq
            stop.route = route_id
            state.touch(stop)


def _reads_create_route(op: CreateRoute, reads: Reads) -> None:
    for codes in op.stops:
        reads.package_codes.update(codes)
    if op.driver is not None:
        reads.usernames.add(op.driver)


@registers(CreateRoute, reads=_reads_create_route, roles=STAFF, device=False)
def apply_create_route(state: State, op: CreateRoute, ctx: ApplyContext) -> dict[str, Any]:
    driver = _driver_named(state, op.driver) if op.driver is not None else None
    seen: set[str] = set()
    planned: list[list[Package]] = []
    for i, codes in enumerate(op.stops):
        packages = []
        for code in codes:
            where = f"stops[{i}]"
            if code in seen:
                raise Invalid("duplicate_package", f"package {code} appears twice in the plan", field=where)
            seen.add(code)
            package = state.packages_by_code.get(code)
            if package is None:
                raise NotFound("unknown_package", f"no package {code!r}", field=where)
            order = state.orders[package.sales_order]
            if order.status in ("cancelled", "on_hold"):
                raise Rejected(
                    f"order_{order.status}", f"package {code}: order {order.external_ref} is {order.status}", field=where
                )
            if package.status != "open" or not package.sealed:
                why = "not sealed yet" if package.status == "open" else package.status
                raise Rejected("package_not_ready", f"package {code} is {why}; only sealed packages go on a route", field=where)
            if package.stop is not None:
                raise Rejected("already_routed", f"package {code} is on a route already", field=where)
            if package.carrier not in ("", OWN_FLEET):
                raise Rejected("other_carrier", f"package {code} goes with {package.carrier}, not the own fleet", field=where)
            packages.append(package)
        addresses = {state.orders[p.sales_order].ship_to for p in packages}
        if len(addresses) != 1:
            raise Invalid("mixed_addresses", f"the packages of stop {i + 1} go to different addresses", field=f"stops[{i}]")
        planned.append(packages)
    route = state.add(
        Route(
            id=state.temp_id(),
            warehouse=state.warehouse_id,
            code=op.area,
            day=op.day,
            driver=driver.id if driver else None,
            status="planned",
            area=op.area,
            created_at=ctx.now,
        )
    )
    stop_ids = []
    for seq, packages in enumerate(planned, start=1):
        address = state.orders[packages[0].sales_order].ship_to
        stop = state.add(RouteStop(id=state.temp_id(), route=route.id, seq=seq, address=address, status="pending"))
        stop_ids.append(stop.id)
        for package in packages:
            package.stop = stop.id
            package.carrier = OWN_FLEET
            state.touch(package)
    return {"route_id": route.id, "stop_ids": stop_ids}


def _reads_route(op: ReorderRoute | AssignRoute, reads: Reads) -> None:
    reads.route_ids.add(op.route)
    if isinstance(op, AssignRoute):
        reads.usernames.add(op.driver)


@registers(ReorderRoute, reads=_reads_route, roles=STAFF, device=False)
def apply_reorder_route(state: State, op: ReorderRoute, ctx: ApplyContext) -> dict[str, Any]:
    route = _route_named(state, op.route)
    if route.status == "done":
        raise Rejected("route_done", f"route {route.id} is done", field="route")
    current = state.stops_of(route.id)
    if sorted(op.stops) != sorted(s.id for s in current):
        raise Invalid(
            "stops_mismatch",
            f"name every stop of route {route.id} exactly once: {', '.join(str(s.id) for s in current)}",
            field="stops",
        )
    _renumber(state, route.id, [state.stops[i] for i in op.stops])
    return {"route_id": route.id}


def _reads_move_stop(op: MoveStop, reads: Reads) -> None:
    reads.stop_ids.add(op.stop)
    reads.route_ids.add(op.route)


@registers(MoveStop, reads=_reads_move_stop, roles=STAFF, device=False)
def apply_move_stop(state: State, op: MoveStop, ctx: ApplyContext) -> dict[str, Any]:
    stop = state.stops.get(op.stop)
    if stop is None:
        raise NotFound("unknown_stop", f"no stop {op.stop}", field="stop")
    target = _route_named(state, op.route)
    source = state.routes[stop.route]
    if target.status == "done":
        raise Rejected("route_done", f"route {target.id} is done", field="route")
    if stop.status != "pending":
        raise Rejected("stop_closed", f"stop {stop.id} is {stop.status}", field="stop")
    loaded = [p.code for p in state.packages_at(stop.id) if p.status != "open"]
    if loaded and source.id != target.id:
        raise Rejected(
            "packages_loaded", f"{', '.join(loaded)} already left in route {source.id}'s van; bring them back first", field="stop"
        )
    if source.id != target.id and source.driver != target.driver:
        _leaves_driver(state, source, [stop])
    remaining = [s for s in state.stops_of(source.id) if s.id != stop.id]
    if source.id != target.id:
        _renumber(state, source.id, remaining)
        remaining = state.stops_of(target.id)
    position = min(op.position or len(remaining) + 1, len(remaining) + 1)
    remaining.insert(position - 1, stop)
    _renumber(state, target.id, remaining)
    # The stop moved: its packages change route too, and a pull must send them again.
    for package in state.packages_at(stop.id):
        state.touch(package)
    return {"stop_id": stop.id, "route_id": target.id, "seq": stop.seq}


@registers(AssignRoute, reads=_reads_route, roles=STAFF, device=False)
def apply_assign_route(state: State, op: AssignRoute, ctx: ApplyContext) -> dict[str, Any]:
    route = _route_named(state, op.route)
    driver = _driver_named(state, op.driver)
    if route.status == "done":
        raise Rejected("route_done", f"route {route.id} is done", field="route")
    if route.driver != driver.id:
        stops = state.stops_of(route.id)
        _leaves_driver(state, route, stops)
        if route.driver is not None:
            state.add(ScopeExit(state.temp_id(), f"driver:{route.driver}", "route", route.id, 0))
        route.driver = driver.id
        state.touch(route)
        # The new driver's next pull must bring every stop and package, whatever its own version.
        for stop in stops:
            state.touch(stop)
            for package in state.packages_at(stop.id):
                state.touch(package)
    return {"route_id": route.id, "driver": driver.username}


def _reads_record_shipment(op: RecordShipment, reads: Reads) -> None:
    reads.package_codes.add(op.package)


@registers(RecordShipment, reads=_reads_record_shipment, roles=STAFF | {"packer"}, device=False)
def apply_record_shipment(state: State, op: RecordShipment, ctx: ApplyContext) -> dict[str, Any]:
    package = state.packages_by_code.get(op.package)
    if package is None:
        raise NotFound("unknown_package", f"no package {op.package!r}", field="package")
    ctx.about(sales_order=package.sales_order)
    if package.stop is not None and op.carrier != OWN_FLEET:
        raise Rejected("already_routed", f"package {package.code} is planned on an own-fleet route", field="package")
    package.carrier = op.carrier
    package.tracking_number = op.tracking_number
    state.touch(package)
    return {"package_id": package.id, "tracking_number": op.tracking_number}


def _reads_cancel_shipment(op: CancelShipment, reads: Reads) -> None:
    reads.package_codes.add(op.package)


@registers(CancelShipment, reads=_reads_cancel_shipment, roles=STAFF | {"packer"}, device=False)
def apply_cancel_shipment(state: State, op: CancelShipment, ctx: ApplyContext) -> dict[str, Any]:
    package = state.packages_by_code.get(op.package)
    if package is None:
        raise NotFound("unknown_package", f"no package {op.package!r}", field="package")
    ctx.about(sales_order=package.sales_order)
    if not package.tracking_number:
        return {"package_id": package.id, "duplicate": True}
    # Once handed over or loaded, the booking is what the parcel travels on: undoing it is the carrier's call.
    if package.status != "open":
        raise Rejected("already_shipped", f"package {package.code} is already {package.status}", field="package")
    if package.stop is not None:
        raise Rejected(
            "already_routed",
            f"package {package.code} is planned on an own-fleet route: take it off the route first",
            field="package",
        )
    package.carrier = ""
    package.tracking_number = ""
    state.touch(package)
    return {"package_id": package.id, "duplicate": False}
