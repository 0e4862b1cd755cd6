"""The supervisor's queue: exceptions from sync with their evidence, follow-up floor tasks, and the
actions that close an item — each an op in the ledger that can resolve the item it came from."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta, Struct

from server.accounts.security import STAFF, CurrentUser, may_send
from server.apply import run_one
from server.db import record_to
from server.errors import responses
from server.exceptions.schemas import (
    ActionOut,
    CountTaskIn,
    ExceptionOut,
    FloorTaskOut,
    Kind,
    ReReleaseIn,
    ResolveIn,
    Status,
)
from server.exceptions.service import FLOOR_TASKS, queue
from server.params import RowId
from sync.ops import ApproveStockChange, OrderCount, ReassignTask, ReReleaseOrder, ResolveException


class DecisionIn(Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "refuse"] = "approve"
    qty: Annotated[int, Meta(ge=0, le=1_000_000, description="the corrected count or receipt; default: as scanned")] | None = None
    exception_id: Annotated[int, Meta(ge=1, le=2_147_483_647, description="the queue item this closes")] | None = None


class ReassignIn(Struct, forbid_unknown_fields=True):
    picker: Annotated[str, Meta(min_length=1, max_length=64)]
    exception_id: Annotated[int, Meta(ge=1, le=2_147_483_647, description="the queue item this closes")] | None = None


async def _item(state: State, exception_id: int) -> ExceptionOut:
    (item,) = await queue(state.db, status="all", exception_id=exception_id, limit=1)
    return item


class ExceptionController(Controller):
    path = "/api"
    tags = ["supervisor"]

    @get("/exceptions", guards=[STAFF], responses=responses(400, 401, 403))
    async def list_exceptions(
        self,
        state: State,
        status: Status = "open",
        kind: Kind | None = None,
        after_id: Annotated[int, Parameter(ge=0, le=2_147_483_647, description="only items newer than this id")] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
    ) -> list[ExceptionOut]:
        """Every adjusted or rejected op, short pick, count or receipt waiting for approval, discrepancy and
        failed delivery, newest first: who, when, the evidence (the op and its outcome from the ledger), the
        follow-up tasks it created, and the actions that fit it."""
        return await queue(state.db, status=status, kind=kind, after_id=after_id, limit=limit)

    @get("/exceptions/{exception_id:int}", guards=[STAFF], responses=responses(400, 401, 403, 404))
    async def get_exception(self, exception_id: RowId, state: State) -> ExceptionOut:
        """One queue item, open or resolved, with its history (who resolved it, when, and how)."""
        items = await queue(state.db, status="all", exception_id=exception_id, limit=1)
        if not items:
            raise NotFoundException(f"no exception {exception_id}")
        return items[0]

    @post(
        "/exceptions/{exception_id:int}/resolve",
        guards=[may_send("resolve_exception")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404),
    )
    async def resolve(
        self, exception_id: RowId, request: Request[CurrentUser, str, State], state: State, data: ResolveIn | None = None
    ) -> ExceptionOut:
        """Mark an exception dealt with, with an optional comment kept in its history (an op in the ledger,
        so supervisors' devices see it in their next pull)."""
        comment = data.comment if data is not None else ""
        await run_one(state.db, ResolveException(exception_id=exception_id, comment=comment), actor=request.user.id)
        return await _item(state, exception_id)

    @post(
        "/count-tasks",
        guards=[may_send("order_count")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 422),
    )
    async def order_count(self, data: CountTaskIn, request: Request[CurrentUser, str, State], state: State) -> ActionOut:
        """Order a cycle count of a bin (one SKU, or everything in it) for a person's phone: a picker named
        as `assignee` gets it on their next pull and may count that bin. Resolves `exception_id` too."""
        op = OrderCount(location=data.location, sku=data.sku, assignee=data.assignee, exception_id=data.exception_id)
        outcome = await run_one(state.db, op, actor=request.user.id)
        r = outcome.result
        what = f"{r['location']}" + (f" ({r['sku']})" if r["sku"] else "")
        who = f"for {r['assignee']}" if r["assignee"] else "for any counter"
        return ActionOut(f"Count task {r['task_id']}: count {what}, {who}.", r, r.get("exception_id"))

    @post(
        "/orders/{order_id:int}/re-release",
        guards=[may_send("re_release_order")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def re_release(
        self, order_id: RowId, request: Request[CurrentUser, str, State], state: State, data: ReReleaseIn | None = None
    ) -> ActionOut:
        """Give an order whose picking went wrong another go: an order not yet released is re-allocated; one on
        the floor reserves what it lacks and gets new pick tasks (for `picker`, default its last picker)."""
        data = data or ReReleaseIn()
        op = ReReleaseOrder(order_id=order_id, picker=data.picker, exception_id=data.exception_id)
        outcome = await run_one(state.db, op, actor=request.user.id)
        r = outcome.result
        if r["task_ids"]:
            message = f"Order {order_id}: {len(r['task_ids'])} new pick task(s) for {r['picker']}."
        else:
            message = f"Order {order_id} re-allocated ({r['reserved']} units reserved): now {r['status']}."
        return ActionOut(message, r, r.get("exception_id"))

    @get("/floor-tasks", guards=[STAFF], responses=responses(400, 401, 403))
    async def floor_tasks(
        self,
        state: State,
        kind: Literal["put_away", "cycle_count", "unpack", "return_to_stock", "approve_count", "approve_receipt"] | None = None,
        status: Literal["open", "done"] | None = "open",
    ) -> list[FloorTaskOut]:
        """Follow-up work created by sync outcomes: put-aways, cycle counts, unpacking, and counts or receipts
        beyond the warehouse's tolerance waiting for approval (`approve_count`, `approve_receipt`)."""
        where: list[str] = []
        args: list[str] = []
        if kind:
            where.append("f.kind = ?")
            args.append(kind)
        if status:
            where.append("f.status = ?")
            args.append(status)
        sql = FLOOR_TASKS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.id"
        async with state.db.read() as tx:
            rows = await tx.fetch(sql, *args)
        return [record_to(FloorTaskOut, r) for r in rows]

    @post(
        "/tasks/{task_id:int}/reassign",
        guards=[may_send("reassign_task")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def reassign(self, task_id: RowId, data: ReassignIn, request: Request[CurrentUser, str, State], state: State) -> dict:
        """Give an open pick task to another picker; the old picker's next pull drops it. Resolves `exception_id` too."""
        op = ReassignTask(task_id=task_id, picker=data.picker, exception_id=data.exception_id)
        outcome = await run_one(state.db, op, actor=request.user.id)
        return {
            "task_id": outcome.result["task_id"],
            "picker": data.picker,
            "exception_id": outcome.result.get("exception_id"),
            "message": f"Pick task {task_id} now belongs to {data.picker}.",
        }

    @post(
        "/floor-tasks/{task_id:int}/decide",
        guards=[may_send("approve_stock_change")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def decide(self, task_id: RowId, data: DecisionIn, request: Request[CurrentUser, str, State], state: State) -> dict:
        """Approve (as scanned, or with a corrected `qty`) or refuse a count or receipt that waits for approval.
        Approving books it: a count sets the bin's book, a receipt adds to it. Resolves `exception_id` too."""
        op = ApproveStockChange(task_id=task_id, decision=data.decision, qty=data.qty, exception_id=data.exception_id)
        outcome = await run_one(state.db, op, actor=request.user.id)
        r = outcome.result
        if data.decision == "refuse":
            message = f"Refused: the book of that bin stays as it was (task {task_id})."
        elif r.get("received"):
            message = f"Booked a receipt of {r['received']}: the bin now holds {r.get('on_hand')}."
        else:
            message = f"Booked the count: the bin now holds {r.get('on_hand')} (difference {r.get('difference', 0)})."
        return r | {"message": message}
