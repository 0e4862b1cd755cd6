"""Wire types for own-fleet routes and their stops."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

RowIdField = Annotated[int, Meta(ge=1, le=2_147_483_647)]
Username = Annotated[str, Meta(min_length=1, max_length=64, description="username of an active driver")]


class PlanIn(Struct, forbid_unknown_fields=True, kw_only=True):
    day: dt.date | None = None  # default: today (UTC)
    max_stops: Annotated[int, Meta(ge=1, le=200, description="most stops on one route")] = 25
    driver: Username | None = None


class OrderStopsIn(Struct, forbid_unknown_fields=True):
    stops: Annotated[
        list[RowIdField], Meta(min_length=1, max_length=200, description="every stop id of the route, in driving order")
    ]


class DriverIn(Struct, forbid_unknown_fields=True):
    driver: Username


class MoveStopIn(Struct, forbid_unknown_fields=True, kw_only=True):
    route: RowIdField
    position: Annotated[int, Meta(ge=1, le=200, description="1 = first; default: last")] | None = None


class AttemptOut(Struct):
    """The package's latest delivery attempt as the driver reported it."""

    outcome: Literal["delivered", "failed"]
    reason: str
    at: dt.datetime | None


class StopPackageOut(Struct):
    code: str
    status: str
    order_id: int
    order_ref: str
    tracking_number: str
    last_attempt: AttemptOut | None


class StopAddressOut(Struct):
    id: int
    line1: str
    line2: str
    city: str
    postcode: str
    country: str
    lat: float | None
    lon: float | None


class StopOut(Struct):
    id: int
    seq: int
    status: str
    customer: str
    address: StopAddressOut
    packages: list[StopPackageOut]


class RouteOut(Struct):
    id: int
    code: str
    day: dt.date
    status: str
    area: str
    driver: str | None
    created_at: dt.datetime
    km: float | None  # depot → stops in their current order → depot, by road (estimate); None without coordinates
    stops: list[StopOut]


class UnplannedOut(Struct):
    """Packages the planner grouped into a route that the engine would not create, and why."""

    area: str
    packages: list[str]
    code: str
    message: str
    field: str | None


class PlanOut(Struct):
    routes: list[RouteOut]
    unplanned: list[UnplannedOut]
    message: str
