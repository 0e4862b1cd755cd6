"""HTTP routes for the dispatcher's own-fleet routes: plan, read, reorder, move a stop, give to a driver."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.status_codes import HTTP_200_OK

from server.accounts.security import CurrentUser, may_send, requires
from server.apply import run_one
from server.delivery import service
from server.delivery.schemas import DriverIn, MoveStopIn, OrderStopsIn, PlanIn, PlanOut, RouteOut
from server.errors import responses
from server.params import RowId
from sync.ops import AssignRoute, MoveStop, ReorderRoute

_DISPATCHERS = requires("supervisor", "admin")


async def _route(state: State, route_id: int) -> RouteOut:
    """The route as the API shows it, or 404 (after an applied op it always exists)."""
    found = await service.get_route(state.db, route_id)
    if found is None:
        raise NotFoundException(f"no route {route_id}")
    return found[0]


class RouteController(Controller):
    path = "/api/routes"
    tags = ["routes"]

    @post(
        "/plan",
        guards=[may_send("create_route")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 422),
    )
    async def plan(self, request: Request[CurrentUser, str, State], state: State, data: PlanIn | None = None) -> PlanOut:
        """Plan every sealed package waiting for the own fleet into routes (by postcode area, nearest
        neighbour then 2-opt from the depot) and create them; what the engine refused is in `unplanned`."""
        body = data or PlanIn()
        return await service.plan(
            state.db, day=body.day or service.today(), max_stops=body.max_stops, driver=body.driver, actor=request.user.id
        )

    @get("/", guards=[_DISPATCHERS], responses=responses(400, 401, 403, 422))
    async def list_routes(self, state: State, day: dt.date | None = None, status: str | None = None) -> list[RouteOut]:
        """Routes by day and id, optionally of one day and in one status (planned, out, done)."""
        return await service.list_routes(state.db, day=day, status=status)

    @get("/{route_id:int}", guards=[requires("driver", "supervisor", "admin")], responses=responses(400, 401, 403, 404))
    async def get_one(self, route_id: RowId, request: Request[CurrentUser, str, State], state: State) -> RouteOut:
        """A route with its stops in driving order, their packages and latest attempts, and its length.
        A driver may read only the routes given to them."""
        found = await service.get_route(state.db, route_id)
        if found is None:
            raise NotFoundException(f"no route {route_id}")
        route, driver_id = found
        if request.user.role == "driver" and driver_id != request.user.id:
            raise PermissionDeniedException(f"route {route_id} is not yours")
        return route

    @post(
        "/{route_id:int}/order",
        guards=[may_send("reorder_route")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def reorder(
        self, route_id: RowId, data: OrderStopsIn, request: Request[CurrentUser, str, State], state: State
    ) -> RouteOut:
        """Put the route's stops in a new driving order: name every stop exactly once."""
        await run_one(state.db, ReorderRoute(route=route_id, stops=data.stops), actor=request.user.id)
        return await _route(state, route_id)

    @post(
        "/{route_id:int}/driver",
        guards=[may_send("assign_route")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def assign(self, route_id: RowId, data: DriverIn, request: Request[CurrentUser, str, State], state: State) -> RouteOut:
        """Give the route to a driver; a driver it is taken from loses it at their next pull."""
        await run_one(state.db, AssignRoute(route=route_id, driver=data.driver), actor=request.user.id)
        return await _route(state, route_id)


class StopController(Controller):
    path = "/api/stops"
    tags = ["routes"]

    @post(
        "/{stop_id:int}/move",
        guards=[may_send("move_stop")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def move(self, stop_id: RowId, data: MoveStopIn, request: Request[CurrentUser, str, State], state: State) -> RouteOut:
        """Move a stop (with its packages) to a route, at `position` (default: last); answers that route."""
        outcome = await run_one(state.db, MoveStop(stop=stop_id, route=data.route, position=data.position), actor=request.user.id)
        return await _route(state, outcome.result["route_id"])
