"""HTTP routes for locations, stock and stock adjustments."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from server.accounts.security import ADMIN, ANY_ROLE, STAFF, CurrentUser, may_send
from server.apply import run_one
from server.errors import responses
from server.inventory import lookup, service
from server.inventory.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    LocationHistory,
    LocationIn,
    LocationOut,
    LowStock,
    StockLookup,
    StockOut,
)
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

    @get("/{code:str}/history", guards=[STAFF], responses=responses(400, 401, 403, 404))
    async def history(
        self,
        code: str,
        state: State,
        limit: Annotated[int, Parameter(ge=1, le=500, description="movements per page")] = 50,
        before: Annotated[int | None, Parameter(ge=1, description="only movements older than this movement id (paging)")] = None,
    ) -> LocationHistory:
        """A bin's audit trail, newest first: every change of units in it (SKU, lot, the change, what the
        book held after, the op that did it, its outcome, who and when), paged by `before`."""
        return await service.location_history(state.db, code, limit, before)


class StockController(Controller):
    path = "/api/stock"
    tags = ["inventory"]

    @get("/", guards=[ANY_ROLE], responses=responses(400, 401))
    async def query(self, state: State, sku: str | None = None, location: str | None = None) -> list[StockOut]:
        """Stock rows (per location × SKU × lot), filtered by SKU and/or location code."""
        return await service.find_stock(state.db, sku=sku, location=location)

    @get("/lookup", guards=[ANY_ROLE], responses=responses(400, 401, 404))
    async def lookup(
        self,
        state: State,
        q: Annotated[
            str,
            Parameter(
                min_length=1, max_length=200, description="a scanned or typed code: SKU, product barcode, GS1 data or bin code"
            ),
        ],
    ) -> StockLookup:
        """Stock at a glance. For an item: every bin holding it (on hand, reserved, available, lot,
        expiry), totals, reorder point and whether it is low, units backordered, units on their way
        back to a shelf (open put-away tasks) and receipts waiting for approval. For a bin: every
        item in it with the same numbers. A code that names neither answers 404 naming `q`."""
        return await lookup.lookup(state.db, q.strip() or q, state.settings.gs1_company_prefix)

    @get("/low", guards=[ANY_ROLE], responses=responses(400, 401))
    async def low(self, state: State) -> list[LowStock]:
        """Products whose units on hand (every location) are at or below their reorder point (when
        they have one, i.e. above 0), with reserved and backordered units; least cover first."""
        return await lookup.low_stock(state.db)

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
