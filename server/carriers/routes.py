"""HTTP routes for booking a sealed package with a carrier (online only: the carrier must answer)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.security import CurrentUser, may_send
from server.carriers import service
from server.carriers.schemas import ShipmentIn, ShipmentOut
from server.errors import responses

PackagePath = Annotated[str, Parameter(min_length=1, max_length=40, description="the package code")]


class ShipmentController(Controller):
    path = "/api/packages"
    tags = ["carriers"]

    @post(
        "/{code:str}/shipment",
        guards=[may_send("record_shipment")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 409, 422, 502, 503),
        response_description="The new booking (201), or the package's booking with this carrier made earlier (200)",
    )
    async def book(
        self, code: PackagePath, request: Request[CurrentUser, str, State], state: State, data: ShipmentIn | None = None
    ) -> Response[ShipmentOut]:
        """Book a sealed package with a carrier (default `own_fleet`) and record its tracking number.
        Asking again for the same carrier books nothing more; another carrier is 409 `already_booked`."""
        carrier = data.carrier if data else ShipmentIn().carrier
        booked = await service.book(state.db, state.carriers, code, carrier, request.user.id)
        return Response(booked.shipment, status_code=HTTP_201_CREATED if booked.created else HTTP_200_OK)

    @post(
        "/{code:str}/shipment/cancel",
        guards=[may_send("cancel_shipment")],
        status_code=HTTP_204_NO_CONTENT,
        responses=responses(400, 401, 403, 404, 409, 422, 503),
    )
    async def cancel(self, code: PackagePath, request: Request[CurrentUser, str, State], state: State) -> None:
        """Cancel the package's booking with its carrier before it leaves (nothing booked: nothing to do)."""
        await service.cancel(state.db, state.carriers, code, request.user.id)
