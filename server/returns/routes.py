"""HTTP routes for RMAs: authorise a return from an order, list and read them, record refunds, close
them, and print the RMA slip the packer scans when the parcel comes back."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from scanner.render import barcode_svg
from server.accounts.security import CurrentUser, may_send, requires
from server.apply import run_one
from server.errors import responses
from server.params import RowId
from server.returns import service
from server.returns.schemas import CloseRmaIn, RefundIn, RmaIn, RmaOut, RmaSummary
from sync.errors import Invalid
from sync.ops import CloseRma, CreateRma, RecordRefund
from sync.returns import RMA_STATUSES

_READERS = requires("packer", "supervisor", "admin")


async def _rma(state: State, rma_id: int) -> RmaOut:
    rma = await service.get_rma(state.db, rma_id)
    if rma is None:
        raise NotFoundException(f"no RMA {rma_id}")
    return rma


def _money(cents: int, currency: str) -> str:
    return f"{cents // 100}.{cents % 100:02d} {currency}"


class RmaController(Controller):
    path = "/api"
    tags = ["returns"]

    @post(
        "/orders/{order_id:int}/rmas",
        guards=[may_send("create_rma")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def create(self, order_id: RowId, data: RmaIn, request: Request[CurrentUser, str, State], state: State) -> RmaOut:
        """Authorise a return from a shipped or delivered order: its reason, the lines and units expected
        back (at most what was sent, less what earlier RMAs already expect: 409 naming `lines[i].qty`),
        and the most that may be refunded. Answers the RMA with its code (`RMA-…`, printed on its slip)."""
        op = CreateRma(
            order_id=order_id,
            code=service.new_code(),
            reason=data.reason,
            note=data.note,
            lines=data.lines,
            value_cents=data.value_cents,
            currency=data.currency,
        )
        outcome = await run_one(state.db, op, actor=request.user.id)
        rma = await _rma(state, outcome.result["rma_id"])
        rma.done = f"{rma.code} opened for order {rma.order_ref}: print the slip for the parcel."
        return rma

    @get("/rmas", guards=[_READERS], responses=responses(400, 401, 403, 422))
    async def list_rmas(
        self,
        state: State,
        status: str | None = None,
        order_id: Annotated[int | None, Parameter(ge=1, le=2_147_483_647)] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
    ) -> list[RmaSummary]:
        """Newest RMAs first, optionally of one status or one order."""
        if status is not None and status not in RMA_STATUSES:
            raise Invalid("unknown_status", f"status must be one of {', '.join(RMA_STATUSES)}", field="status")
        return await service.list_rmas(state.db, status, order_id, limit)

    @get("/rmas/{rma_id:int}", guards=[_READERS], responses=responses(400, 401, 403, 404))
    async def get_one(self, rma_id: RowId, state: State) -> RmaOut:
        """An RMA with its lines (sent, expected, received, restocked, scrapped) and its refunds."""
        return await _rma(state, rma_id)

    @post(
        "/rmas/{rma_id:int}/refunds",
        guards=[may_send("record_refund")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def refund(self, rma_id: RowId, data: RefundIn, request: Request[CurrentUser, str, State], state: State) -> RmaOut:
        """Record money given back on an RMA once units have arrived: amount, method and reference.
        Partial refunds add up to the RMA's value and no further (409 naming `amount_cents`); the one
        that reaches it marks the RMA refunded."""
        before = await _rma(state, rma_id)
        op = RecordRefund(
            rma_id=rma_id,
            amount_cents=data.amount_cents,
            currency=data.currency or before.currency,
            method=data.method,
            reference=data.reference,
        )
        await run_one(state.db, op, actor=request.user.id)
        rma = await _rma(state, rma_id)
        rma.done = f"Refund of {_money(data.amount_cents, op.currency)} recorded on {rma.code}" + (
            "; fully refunded."
            if rma.status == "refunded"
            else f"; {_money(rma.value_cents - rma.refunded_cents, rma.currency)} left."
        )
        return rma

    @post(
        "/rmas/{rma_id:int}/close",
        guards=[may_send("close_rma")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def close(
        self, rma_id: RowId, request: Request[CurrentUser, str, State], state: State, data: CloseRmaIn | None = None
    ) -> RmaOut:
        """Close an RMA: nothing more is expected on it, and it leaves the packers' phones."""
        await run_one(state.db, CloseRma(rma_id=rma_id, note=data.note if data else ""), actor=request.user.id)
        rma = await _rma(state, rma_id)
        rma.done = f"{rma.code} closed."
        return rma


class RmaSlipController(Controller):
    path = "/print/rmas"
    tags = ["printing"]
    cache_control = CacheControlHeader(no_store=True)

    @get("/{rma_id:int}/slip", guards=[_READERS], media_type=MediaType.HTML, responses=responses(400, 401, 403, 404))
    async def slip(self, rma_id: RowId, state: State) -> Template:
        """The RMA slip: its code as a Code 128 barcode (the packer scans it when the parcel comes back),
        the order, the reason and the lines expected back with their product barcodes."""
        rma = await _rma(state, rma_id)
        return Template(
            "print/rma_slip.html",
            context={"rma": rma, "code_svg": barcode_svg("code128", rma.code, module_mm=0.4, height_mm=14)},
        )
