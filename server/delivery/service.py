"""Planning own-fleet routes from the sealed packages waiting at the depot, and reading routes back.

Planning is two steps with one owner each: `sync.routing` orders the drops (pure), the engine's
`create_route` checks and records each route. Between reading the packages and submitting the routes
a packer may ship one or another dispatcher plan it; the engine then rejects that route alone and
the answer says so, so nothing is planned twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from server.apply import run_ops
from server.db import Database, Tx, in_list, stored_time
from server.delivery.schemas import (
    AttemptOut,
    PlanOut,
    RouteOut,
    StopAddressOut,
    StopOut,
    StopPackageOut,
    UnplannedOut,
)
from sync.errors import Invalid, Rejected
from sync.ops import CreateRoute
from sync.routing import Drop, Point, plan_routes, route_km

ROUTE_STATUSES = ("planned", "out", "done")

# Sealed, still in the building, for the own fleet (or no carrier chosen yet), on no route, and of an
# order that may still leave: what a dispatcher can put in a van.
_WAITING_SQL = (
    "SELECT pk.code, a.id AS address, a.postcode, a.country, a.lat, a.lon FROM package pk "
    "JOIN sales_order o ON o.id = pk.sales_order JOIN address a ON a.id = o.ship_to "
    "WHERE pk.sealed_at IS NOT NULL AND pk.status = 'open' AND pk.carrier IN ('', 'own_fleet') AND pk.stop IS NULL "
    "AND o.status NOT IN ('cancelled', 'on_hold') ORDER BY pk.code"
)
_ROUTE_SQL = (
    "SELECT r.id, r.code, r.day, r.status, r.area, r.created_at, r.driver AS driver_id, u.username AS driver "
    "FROM route r LEFT JOIN app_user u ON u.id = r.driver"
)
_STOP_SQL = (
    "SELECT s.id, s.route, s.seq, s.status, c.name AS customer, a.id AS address_id, a.line1, a.line2, a.city, "
    "a.postcode, a.country, a.lat, a.lon FROM route_stop s JOIN address a ON a.id = s.address "
    "JOIN customer c ON c.id = a.customer"
)
_PACKAGE_SQL = (
    "SELECT pk.id, pk.code, pk.status, pk.tracking_number, pk.stop, o.id AS order_id, o.external_ref "
    "FROM package pk JOIN sales_order o ON o.id = pk.sales_order"
)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


utc = stored_time  # one conversion for every stored timestamp (server/db.py)


async def depot(tx: Tx) -> Point | None:
    """The warehouse's position (the vans start and end there); None until an admin sets it."""
    row = await tx.fetchrow("SELECT lat, lon FROM warehouse ORDER BY id LIMIT 1")
    if row is None or row["lat"] is None or row["lon"] is None:
        return None
    return (row["lat"], row["lon"])


async def plan(db: Database, *, day: dt.date, max_stops: int, driver: str | None, actor: int) -> PlanOut:
    """Plan every package waiting for the own fleet into routes for `day`, and create them."""
    async with db.read() as tx:
        waiting = await tx.fetch(_WAITING_SQL)
        start = await depot(tx)
    by_address: dict[int, list] = defaultdict(list)
    for row in waiting:
        by_address[row["address"]].append(row)
    drops = [
        Drop(
            f"addr:{address}",
            rows[0]["postcode"],
            rows[0]["country"],
            rows[0]["lat"],
            rows[0]["lon"],
            tuple(r["code"] for r in rows),
        )
        for address, rows in by_address.items()
    ]
    planned = plan_routes(drops, start, max_stops=max_stops)
    if not planned:
        return PlanOut([], [], "nothing to plan: no sealed own-fleet package is waiting for a route")
    ops = [
        CreateRoute(day=day, area=route.area, driver=driver, stops=[list(stop.packages) for stop in route.stops])
        for route in planned
    ]
    outcomes = await run_ops(db, ops, actor=actor)
    created: list[int] = []
    unplanned: list[UnplannedOut] = []
    for route, outcome in zip(planned, outcomes, strict=True):
        if outcome.status == "rejected":
            assert outcome.code is not None and outcome.message is not None  # set on every rejection
            if outcome.field == "driver":  # the request's own mistake, the same for every route
                raise Rejected(outcome.code, outcome.message, "driver", outcome.http_status)
            codes = [code for stop in route.stops for code in stop.packages]
            unplanned.append(UnplannedOut(route.area, codes, outcome.code, outcome.message, outcome.field))
        else:
            created.append(outcome.result["route_id"])
    routes = await get_routes(db, created)
    packages = sum(len(s.packages) for r in routes for s in r.stops)
    message = f"{len(routes)} route(s) with {packages} package(s) planned for {day.isoformat()}"
    if unplanned:
        message += f"; {len(unplanned)} route(s) could not be created (see unplanned)"
    return PlanOut(routes, unplanned, message)


async def get_routes(db: Database, route_ids: list[int]) -> list[RouteOut]:
    """The routes by id, in the order given."""
    if not route_ids:
        return []
    async with db.read() as tx:
        rows = await tx.fetch(_ROUTE_SQL + f" WHERE r.id IN {in_list(route_ids)}", *route_ids)
        built = {r.id: r for r in await _routes(tx, rows)}
    return [built[i] for i in route_ids if i in built]


async def get_route(db: Database, route_id: int) -> tuple[RouteOut, int | None] | None:
    """The route and its driver's user id (who else may read it), or None."""
    async with db.read() as tx:
        row = await tx.fetchrow(_ROUTE_SQL + " WHERE r.id = ?", route_id)
        if row is None:
            return None
        (route,) = await _routes(tx, [row])
    return route, row["driver_id"]


async def list_routes(db: Database, *, day: dt.date | None, status: str | None) -> list[RouteOut]:
    """Routes of a day (default: every day), optionally in one status, by day and id."""
    if status is not None and status not in ROUTE_STATUSES:
        raise Invalid("unknown_status", f"status must be one of {', '.join(ROUTE_STATUSES)}", field="status")
    where: list[str] = []
    args: list[object] = []
    if day is not None:
        where.append("r.day = ?")
        args.append(day)
    if status is not None:
        where.append("r.status = ?")
        args.append(status)
    sql = _ROUTE_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.day, r.id"
    async with db.read() as tx:
        return await _routes(tx, await tx.fetch(sql, *args))


async def _routes(tx: Tx, rows: list) -> list[RouteOut]:
    """Routes with their stops in driving order, each stop's packages and their latest attempts."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    stops = await tx.fetch(_STOP_SQL + f" WHERE s.route IN {in_list(ids)} ORDER BY s.route, s.seq", *ids)
    packages: dict[int, list] = defaultdict(list)
    attempts: dict[int, AttemptOut] = {}
    if stops:
        stop_ids = [s["id"] for s in stops]
        for p in await tx.fetch(_PACKAGE_SQL + f" WHERE pk.stop IN {in_list(stop_ids)} ORDER BY pk.code", *stop_ids):
            packages[p["stop"]].append(p)
        package_ids = [p["id"] for rows_ in packages.values() for p in rows_]
        if package_ids:
            for d in await tx.fetch(
                "SELECT d.package, d.outcome, d.reason, d.device_at, l.committed_at FROM delivery d "
                f"LEFT JOIN ledger l ON l.id = d.ledger_id WHERE d.package IN {in_list(package_ids)} AND d.evidence = ? "
                "ORDER BY d.id",
                *package_ids,
                False,
            ):
                attempts[d["package"]] = AttemptOut(d["outcome"], d["reason"], utc(d["device_at"] or d["committed_at"]))
    by_route: dict[int, list[StopOut]] = defaultdict(list)
    points: dict[int, list[Drop]] = defaultdict(list)
    for s in stops:
        address = StopAddressOut(
            s["address_id"], s["line1"], s["line2"], s["city"], s["postcode"], s["country"], s["lat"], s["lon"]
        )
        by_route[s["route"]].append(
            StopOut(
                id=s["id"],
                seq=s["seq"],
                status=s["status"],
                customer=s["customer"],
                address=address,
                packages=[
                    StopPackageOut(
                        p["code"], p["status"], p["order_id"], p["external_ref"], p["tracking_number"], attempts.get(p["id"])
                    )
                    for p in packages[s["id"]]
                ],
            )
        )
        points[s["route"]].append(Drop(str(s["id"]), s["postcode"], s["country"], s["lat"], s["lon"], ()))
    start = await depot(tx)
    return [
        RouteOut(
            id=r["id"],
            code=r["code"],
            day=r["day"] if isinstance(r["day"], dt.date) else dt.date.fromisoformat(r["day"]),
            status=r["status"],
            area=r["area"],
            driver=r["driver"],
            created_at=utc(r["created_at"]) or dt.datetime.now(dt.UTC),
            km=_km(points[r["id"]], start),
            stops=by_route[r["id"]],
        )
        for r in rows
    ]


def _km(stops: list[Drop], start: Point | None) -> float | None:
    km = route_km(stops, start) if stops else None
    return round(km, 1) if km is not None else None
