"""HTTP routes for order intake, reading, cancelling and payment."""

from __future__ import annotations

import secrets
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts.security import CurrentUser, may_send, requires
from server.apply import run_one
from server.errors import responses
from server.orders import service
from server.orders.schemas import CancelIn, HoldIn, OrderIn, OrderOut, OrderSummary, TimelineStep
from server.params import RowId
from sync.ops import CancelOrder, HoldOrder, IntakeOrder, MarkPaid, ReleaseHold
from sync.orders import ORDER_STATUSES

_READERS = requires("packer", "supervisor", "admin")


async def _order(state: State, order_id: int) -> OrderOut:
    """The order as the API shows it, or 404 (after an applied op it always exists)."""
    order = await service.get_order(state.db, order_id)
    if order is None:
        raise NotFoundException(f"no order {order_id}")
    return order


# An order's status as the answer to an action words it ("order WEB-1 is …").
_STATUS_WORDS = {
    "on_hold": "on hold",
    "backordered": "waiting for stock",
    "partially_allocated": "partly reserved, waiting for more stock",
    "allocated": "reserved and ready to release",
}


def _units(n: int) -> str:
    return f"{n} unit{'' if n == 1 else 's'}"


def _status(order: OrderOut) -> str:
    return _STATUS_WORDS.get(order.status, order.status)


# What only supervisors and admins see of a delivery: where it happened and the proof's files.
_PROOF = frozenset({"lat", "lon", "accuracy_m", "signature", "photo"})
_STAFF_ROLES = frozenset({"supervisor", "admin"})


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @post(
        "/",
        guards=[may_send("intake_order")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 422),
        response_description="The new order (201), or the existing one when the channel already sent this external_ref (200)",
    )
    async def intake(self, data: OrderIn, request: Request[CurrentUser, str, State], state: State) -> Response[OrderOut]:
        """Take in an order and reserve its stock. Idempotent on (channel, external_ref); lines that
        cannot be covered are backordered; `payment_status: pending` holds the order until paid."""
        op = IntakeOrder(
            channel=data.channel,
            external_ref=data.external_ref,
            customer=data.customer,
            ship_to=data.ship_to,
            lines=data.lines,
            payment_status=data.payment_status,
            promised_at=data.promised_at,
            tracking_token=secrets.token_urlsafe(12),
        )
        outcome = await run_one(state.db, op, actor=request.user.id)
        order = await _order(state, outcome.result["order_id"])
        return Response(order, status_code=HTTP_200_OK if outcome.result["duplicate"] else HTTP_201_CREATED)

    @get("/", guards=[_READERS], responses=responses(400, 401, 403, 422))
    async def list_orders(
        self,
        state: State,
        status: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
    ) -> list[OrderSummary]:
        """Newest orders first, optionally with one status."""
        if status is not None and status not in ORDER_STATUSES:
            from sync.errors import Invalid

            raise Invalid("unknown_status", f"status must be one of {', '.join(ORDER_STATUSES)}", field="status")
        return await service.list_orders(state.db, status, limit)

    @get("/{order_id:int}", guards=[_READERS], responses=responses(400, 401, 403, 404))
    async def get_one(self, order_id: RowId, state: State) -> OrderOut:
        """An order with its lines and its status timeline."""
        return await _order(state, order_id)

    @get("/{order_id:int}/timeline", guards=[_READERS], responses=responses(400, 401, 403, 404))
    async def timeline(self, order_id: RowId, state: State, request: Request[CurrentUser, str, State]) -> list[TimelineStep]:
        """The order's journey with times: received, reserved, picked, packed, each package sealed, booked
        or loaded onto a route, delivered (recipient, proof and whether its files arrived) or failed,
        back at the depot; holds and cancellations. Recomputed from the ledger and events on every read.
        A packer sees the steps but not the proof of delivery (position, signature and photo ids)."""
        steps = await service.get_timeline(state.db, order_id)
        if steps is None:
            raise NotFoundException(f"no order {order_id}")
        if request.user.role not in _STAFF_ROLES:
            for step in steps:
                step.detail = {k: v for k, v in step.detail.items() if k not in _PROOF}
        return steps

    @post(
        "/{order_id:int}/cancel",
        guards=[may_send("cancel_order")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def cancel(
        self, order_id: RowId, request: Request[CurrentUser, str, State], state: State, data: CancelIn | None = None
    ) -> OrderOut:
        """Cancel an order: its reservations go back to stock (and to waiting backorders); units already
        picked become put-away tasks. `done` says what happened."""
        outcome = await run_one(
            state.db, CancelOrder(order_id=order_id, reason=data.reason if data else ""), actor=request.user.id
        )
        order = await _order(state, order_id)
        put_away = outcome.result.get("put_away", 0)
        order.done = f"Order {order.external_ref} cancelled; its reserved stock is free again." + (
            f" {_units(put_away)} already picked must be put back (put-away tasks created)." if put_away else ""
        )
        return order

    @post(
        "/{order_id:int}/pay",
        guards=[may_send("mark_paid")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def mark_paid(self, order_id: RowId, request: Request[CurrentUser, str, State], state: State) -> OrderOut:
        """Record payment for an order held as pending; it is then allocated. An order a supervisor
        held stays on hold (only release-hold lifts that). `done` says what happened."""
        before = await _order(state, order_id)
        await run_one(state.db, MarkPaid(order_id=order_id), actor=request.user.id)
        order = await _order(state, order_id)
        if before.payment_status == "paid":
            order.done = f"Order {order.external_ref} was already paid; nothing changed."
        elif order.status == "on_hold":
            order.done = f"Payment recorded; order {order.external_ref} stays on hold: {order.hold_reason}."
        else:
            order.done = f"Payment recorded; order {order.external_ref} is {_status(order)}."
        return order

    @post(
        "/{order_id:int}/hold",
        guards=[may_send("hold_order")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def hold(self, order_id: RowId, data: HoldIn, request: Request[CurrentUser, str, State], state: State) -> OrderOut:
        """Hold an order that is not yet released to the pickers, with a reason: its reserved stock goes back
        (to waiting orders first) until the hold is released. Orders waiting for payment are on hold already
        (mark paid releases those); released or later orders cannot be held (409) — cancel them instead."""
        outcome = await run_one(state.db, HoldOrder(order_id=order_id, reason=data.reason), actor=request.user.id)
        order = await _order(state, order_id)
        freed = outcome.result["units_freed"]
        order.done = f"Order {order.external_ref} is on hold ({data.reason})." + (
            f" {_units(freed)} went back to stock." if freed else ""
        )
        return order

    @post(
        "/{order_id:int}/release-hold",
        guards=[may_send("release_hold")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def release_hold(self, order_id: RowId, request: Request[CurrentUser, str, State], state: State) -> OrderOut:
        """Lift a supervisor's hold: the order reserves stock again (allocated, partly, or backordered).
        An order waiting for payment answers 409: mark it paid instead."""
        outcome = await run_one(state.db, ReleaseHold(order_id=order_id), actor=request.user.id)
        order = await _order(state, order_id)
        order.done = f"Hold released; order {order.external_ref} is {_status(order)} ({_units(outcome.result['units_reserved'])} reserved)."
        return order
