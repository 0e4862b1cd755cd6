"""HTTP routes for locations, stock and stock adjustments."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.status_codes import HTTP_201_CREATED

from server.accounts.security import ADMIN, ANY_ROLE, CurrentUser, may_send
from server.apply import run_one
from server.errors import responses
from server.inventory import service
from server.inventory.schemas import AdjustmentIn, AdjustmentOut, LocationIn, LocationOut, StockOut
from sync.ops import AdjustStock


class LocationController(Controller):
    path = "/api/locations"
    tags = ["inventory"]

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 409))
    async def create(self, data: LocationIn, state: State) -> LocationOut:
        """Create a location; `path_seq` is its place on the picking walk."""
        return await service.create_location(state.db, data)

    @get("/", guards=[ANY_ROLE], responses=responses(400, 401))
    async def list_all(self, state: State, kind: Literal["bin", "staging", "dock", "returns"] | None = None) -> list[LocationOut]:
        return await service.list_locations(state.db, kind)


class StockController(Controller):
    path = "/api/stock"
    tags = ["inventory"]

    @get("/", guards=[ANY_ROLE], responses=responses(400, 401))
    async def query(self, state: State, sku: str | None = None, location: str | None = None) -> list[StockOut]:
        """Stock rows (per location × SKU × lot), filtered by SKU and/or location code."""
        return await service.find_stock(state.db, sku=sku, location=location)

    @post(
        "/adjustments",
        guards=[may_send("adjust_stock")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def adjust(self, data: AdjustmentIn, request: Request[CurrentUser, str, State], state: State) -> AdjustmentOut:
        """Book a stock difference with a reason. Never below zero; reservations shrink if stock does."""
        op = AdjustStock(
            location=data.location,
            sku=data.sku,
            qty_delta=data.qty_delta,
            reason=data.reason,
            lot=data.lot,
            expiry=data.expiry,
        )
        outcome = await run_one(state.db, op, actor=request.user.id)
        (stock,) = await service.find_stock(state.db, stock_id=outcome.result["stock_id"])
        assert outcome.ledger is not None  # run_one raised unless the op was applied, so it has its ledger row
        return AdjustmentOut(ledger_id=outcome.ledger.id, stock=stock)
