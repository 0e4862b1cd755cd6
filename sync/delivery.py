"""Shipping and delivery: hand-over or van loading, proof of delivery, failed attempts, back to the depot."""

from __future__ import annotations

from typing import Any

from .context import ApplyContext
from .errors import NotFound, Rejected
from .floor import unpack_task
from .model import Delivery, Order, Package, ScopeExit, State
from .ops import Deliver, DeliverFailed, ReturnToDepot, Ship
from .orders import TRANSITIONS, set_status, supplier_pending
from .reads import Reads
from .registry import STAFF, registers


def _package(state: State, code: str) -> Package:
    package = state.packages_by_code.get(code)
    if package is None:
        raise NotFound("unknown_package", f"no package {code!r}", field="package")
    return package


def _advance(state: State, ctx: ApplyContext, order: Order, to: str) -> None:
    """Move the order forward to `to` through the statuses in between (packed → shipped → delivered)."""
    path = ["picked", "packed", "shipped", "delivered"]
    if order.status not in path:
        return
    for step in path[path.index(order.status) + 1 : path.index(to) + 1]:
        if step in TRANSITIONS[order.status]:
            set_status(state, order, step, ctx.now, ctx.ledger_id)


def _record(state: State, ctx: ApplyContext, package: Package, op: Deliver | DeliverFailed, *, evidence: bool) -> None:
    """A delivery attempt as the driver reported it; `evidence` when it contradicts what was recorded first."""
    if isinstance(op, Deliver):
        outcome, recipient, reason, signature, note = "delivered", op.recipient, "", op.signature, ""
    else:
        outcome, recipient, reason, signature, note = "failed", "", op.reason, "", op.note
    state.add(
        Delivery(
            id=state.temp_id(),
            package=package.id,
            outcome=outcome,
            recipient=recipient,
            reason=reason,
            signature=signature,
            photo=op.photo,
            lat=op.lat,
            lon=op.lon,
            device_at=ctx.device_at,
            evidence=evidence,
            ledger_id=ctx.ledger_id,
            accuracy_m=op.accuracy_m,
            note=note,
        )
    )


def _settle_stop(state: State, package: Package) -> None:
    """A stop is settled when each of its packages was delivered or failed; its route is done when every stop is."""
    stop = state.stops.get(package.stop) if package.stop is not None else None
    if stop is None:
        return
    outcomes = {p.status for p in state.packages_at(stop.id)}
    if outcomes <= {"delivered"}:
        status = "delivered"
    elif outcomes <= {"failed", "returned"}:
        status = "failed"
    elif outcomes <= {"delivered", "failed", "returned"}:
        status = "partial"
    else:
        status = "pending"
    if stop.status != status:
        stop.status = status
        state.touch(stop)
    route = state.routes[stop.route]
    done = all(s.status != "pending" for s in state.stops_of(route.id))
    if done and route.status != "done":
        route.status = "done"
        state.touch(route)


def _load_onto_van(state: State, package: Package, route_id: int) -> None:
    """The driver's load scan: only a package planned on this route may go into this van."""
    route = state.routes.get(route_id)
    if route is None:
        raise NotFound("unknown_route", f"no route {route_id}", field="route")
    stop = state.stops.get(package.stop) if package.stop is not None else None
    if stop is None:
        raise Rejected(
            "not_on_route", f"package {package.code} is not planned on any route; leave it at the depot", field="package"
        )
    if stop.route != route.id:
        other = state.routes[stop.route]
        raise Rejected(
            "other_route",
            f"package {package.code} belongs to route {other.id}{' ' + other.code if other.code else ''}, "
            f"not this one; leave it at the depot",
            field="package",
        )
    if route.status == "planned":
        route.status = "out"
        state.touch(route)


def _check_round(state: State, ctx: ApplyContext, package: Package) -> None:
    """Only the own fleet loads, delivers and brings back parcels, and a driver works their own round.
    A driver who did it for a colleague's parcel (vans swapped, a favour) did do it: the fact stands,
    and the exception names both drivers. A parcel that went with another carrier is that carrier's."""
    if package.carrier not in ("", "own_fleet"):
        raise Rejected(
            "other_carrier", f"package {package.code} went with {package.carrier}; the carrier delivers it", field="package"
        )
    stop = state.stops.get(package.stop) if package.stop is not None else None
    route = state.routes.get(stop.route) if stop is not None else None
    if route is None or route.driver is None or ctx.device_id is None or route.driver == ctx.actor:
        return
    owner = state.users[route.driver].username if route.driver in state.users else f"user {route.driver}"
    ctx.people += [ctx.actor_name or f"user {ctx.actor}", owner]
    ctx.adjust(
        "other_drivers_route",
        f"{package.code} is on {owner}'s route {route.id}; {ctx.actor_name or 'you'} reported it. Both are told.",
    )


def _reads_ship(op: Ship, reads: Reads) -> None:
    reads.package_codes.add(op.package)
    if op.route is not None:
        reads.route_ids.add(op.route)


@registers(Ship, reads=_reads_ship, roles=STAFF | {"packer", "driver"}, device=True)
def apply_ship(state: State, op: Ship, ctx: ApplyContext) -> dict[str, Any]:
    package = _package(state, op.package)
    order = state.orders[package.sales_order]
    ctx.about(sales_order=order.id)
    if order.status in ("cancelled", "on_hold"):
        unpack_task(state, ctx, order, package.id, f"is {order.status}")
        raise Rejected(
            f"order_{order.status}",
            f"order {order.external_ref} is {order.status}: do not ship {package.code}; "
            "unpack it and return the units to stock (a task was created)",
            field="package",
        )
    if package.status in ("delivered", "returned"):
        raise Rejected("already_" + package.status, f"package {package.code} is already {package.status}", field="package")
    if op.route is not None:
        _load_onto_van(state, package, op.route)
        _check_round(state, ctx, package)
    if package.status == "shipped":
        return {"package_id": package.id, "duplicate": True}
    package.status = "shipped"
    package.carrier = op.carrier or package.carrier or "own_fleet"
    if package.sealed_at is None:  # it left the building: whatever the packer did not record, it is closed now
        package.sealed_at = ctx.now
    state.touch(package)
    # A drop-ship line still with its supplier keeps the order packed until the supplier ships it.
    out = all(p.status != "open" for p in state.packages_of(order.id))
    if out and order.status == "packed" and not supplier_pending(state.lines_of(order.id)):
        _advance(state, ctx, order, "shipped")
    return {"package_id": package.id, "duplicate": False}


def _facts(d: Delivery | Deliver) -> tuple[str, str, str]:
    return (d.recipient.strip().lower(), d.signature, d.photo)


def _reads_deliver(op: Deliver, reads: Reads) -> None:
    reads.package_codes.add(op.package)


@registers(Deliver, reads=_reads_deliver, roles=STAFF | {"driver"}, device=True)
def apply_deliver(state: State, op: Deliver, ctx: ApplyContext) -> dict[str, Any]:
    package = _package(state, op.package)
    order = state.orders[package.sales_order]
    ctx.about(sales_order=order.id)
    confirmed = [d for d in state.deliveries_of(package.id) if d.outcome == "delivered" and not d.evidence]
    if confirmed:
        if _facts(confirmed[0]) == _facts(op):
            return {"package_id": package.id, "duplicate": True}
        _record(state, ctx, package, op, evidence=True)
        raise Rejected(
            "conflicting_delivery",
            f"package {package.code} was already delivered to {confirmed[0].recipient}; "
            "this second confirmation is kept as evidence",
            field="package",
        )
    _check_round(state, ctx, package)
    _record(state, ctx, package, op, evidence=False)
    package.status = "delivered"
    state.touch(package)
    _settle_stop(state, package)
    if supplier_pending(state.lines_of(order.id)):
        pass  # the order is shipped (then delivered) once its supplier ships the drop-ship lines too
    elif all(p.status == "delivered" for p in state.packages_of(order.id)):
        _advance(state, ctx, order, "delivered")
    elif order.status == "packed" and all(p.status != "open" for p in state.packages_of(order.id)):
        _advance(state, ctx, order, "shipped")
    return {"package_id": package.id, "duplicate": False}


def _reads_deliver_failed(op: DeliverFailed, reads: Reads) -> None:
    reads.package_codes.add(op.package)


@registers(DeliverFailed, reads=_reads_deliver_failed, roles=STAFF | {"driver"}, device=True)
def apply_deliver_failed(state: State, op: DeliverFailed, ctx: ApplyContext) -> dict[str, Any]:
    package = _package(state, op.package)
    order = state.orders[package.sales_order]
    ctx.about(sales_order=order.id)
    if package.status == "delivered":
        _record(state, ctx, package, op, evidence=True)
        raise Rejected(
            "already_delivered",
            f"package {package.code} was confirmed delivered; this failed attempt is kept as evidence",
            field="package",
        )
    _check_round(state, ctx, package)
    _record(state, ctx, package, op, evidence=False)
    package.status = "failed"
    state.touch(package)
    _settle_stop(state, package)
    ctx.flag(
        "failed_delivery",
        f"failed_{op.reason}",
        f"delivery of {package.code} failed ({op.reason}) {op.note}".strip(),
        sales_order=order.id,
    )
    return {"package_id": package.id}


def _reads_return_to_depot(op: ReturnToDepot, reads: Reads) -> None:
    reads.package_codes.add(op.package)


@registers(ReturnToDepot, reads=_reads_return_to_depot, roles=STAFF | {"driver"}, device=True)
def apply_return_to_depot(state: State, op: ReturnToDepot, ctx: ApplyContext) -> dict[str, Any]:
    package = _package(state, op.package)
    order = state.orders[package.sales_order]
    ctx.about(sales_order=order.id)
    if package.status == "delivered":
        raise Rejected(
            "already_delivered", f"package {package.code} was confirmed delivered; it cannot be back here", field="package"
        )
    if package.status == "open":
        return {"package_id": package.id, "duplicate": True}
    if package.status != "failed" and package.status != "shipped":
        raise Rejected("not_out", f"package {package.code} is {package.status}, not out for delivery", field="package")
    _check_round(state, ctx, package)
    was_failed = package.status == "failed"
    stop = state.stops.get(package.stop) if package.stop is not None else None
    if stop is not None and state.routes[stop.route].driver is not None:
        state.add(ScopeExit(state.temp_id(), f"driver:{state.routes[stop.route].driver}", "package", package.id, 0))
    # Back in the building, still sealed: it can be planned on a new route or returned to the sender.
    package.status = "open"
    package.stop = None
    state.touch(package)
    if order.status == "cancelled":
        unpack_task(state, ctx, order, package.id, "was cancelled")
    return {"package_id": package.id, "was_failed": was_failed}
