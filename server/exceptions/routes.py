"""The supervisor's queue: exceptions from sync, follow-up floor tasks, and reassigning pick tasks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK
from msgspec import Meta, Struct

from server.accounts.security import STAFF, CurrentUser, may_send
from server.apply import run_one
from server.db import record_to
from server.errors import responses
from server.params import RowId
from sync.ops import ApproveStockChange, ReassignTask, ResolveException


class ExceptionOut(Struct):
    id: int
    kind: str
    code: str
    message: str
    status: str
    device_id: str | None
    seq: int | None
    order_id: int | None
    order_line_id: int | None
    location: str | None
    sku: str | None
    qty: int
    people: str
    created_at: dt.datetime


class FloorTaskOut(Struct):
    id: int
    kind: str
    status: str
    location: str | None
    sku: str | None
    lot: str
    qty: int
    tote: str
    order_id: int | None
    package: str | None
    note: str
    created_at: dt.datetime


class DecisionIn(Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "refuse"] = "approve"
    qty: Annotated[int, Meta(ge=0, le=1_000_000, description="the corrected count or receipt; default: as scanned")] | None = None


class ReassignIn(Struct, forbid_unknown_fields=True):
    picker: Annotated[str, Meta(min_length=1, max_length=64)]


_EXCEPTIONS = (
    "SELECT e.id, e.kind, e.code, e.message, e.status, e.device_id, e.seq, e.sales_order AS order_id, e.order_line AS order_line_id, l.code AS location, "
    "p.sku, e.qty, e.people, e.created_at FROM sync_exception e LEFT JOIN location l ON l.id = e.location "
    "LEFT JOIN product p ON p.id = e.product"
)
_FLOOR_TASKS = (
    "SELECT f.id, f.kind, f.status, l.code AS location, p.sku, f.lot, f.qty, f.tote, f.sales_order AS order_id, pk.code AS package, "
    "f.note, f.created_at FROM floor_task f LEFT JOIN location l ON l.id = f.location LEFT JOIN product p ON p.id = f.product "
    "LEFT JOIN package pk ON pk.id = f.package"
)


class ExceptionController(Controller):
    path = "/api"
    tags = ["supervisor"]

    @get("/exceptions", guards=[STAFF], responses=responses(400, 401, 403))
    async def list_exceptions(
        self,
        state: State,
        status: Literal["open", "resolved"] | None = "open",
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
    ) -> list[ExceptionOut]:
        """Every adjusted or rejected op, short pick, discrepancy and failed delivery, newest first."""
        sql, args = _EXCEPTIONS, []
        if status:
            sql += " WHERE e.status = ?"
            args.append(status)
        async with state.db.read() as tx:
            rows = await tx.fetch(sql + " ORDER BY e.id DESC LIMIT ?", *args, limit)
        return [record_to(ExceptionOut, r) for r in rows]

    @post(
        "/exceptions/{exception_id:int}/resolve",
        guards=[may_send("resolve_exception")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404),
    )
    async def resolve(self, exception_id: RowId, request: Request[CurrentUser, str, State], state: State) -> ExceptionOut:
        """Mark an exception dealt with (an op in the ledger, so supervisors' devices see it in their next pull)."""
        await run_one(state.db, ResolveException(exception_id=exception_id), actor=request.user.id)
        async with state.db.read() as tx:
            row = await tx.fetchrow(_EXCEPTIONS + " WHERE e.id = ?", exception_id)
        return record_to(ExceptionOut, row)

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
        sql = _FLOOR_TASKS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.id"
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
        """Give an open pick task to another picker; the old picker's next pull drops it."""
        outcome = await run_one(state.db, ReassignTask(task_id=task_id, picker=data.picker), actor=request.user.id)
        return {"task_id": outcome.result["task_id"], "picker": data.picker}

    @post(
        "/floor-tasks/{task_id:int}/decide",
        guards=[may_send("approve_stock_change")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def decide(self, task_id: RowId, data: DecisionIn, request: Request[CurrentUser, str, State], state: State) -> dict:
        """Approve (as scanned, or with a corrected `qty`) or refuse a count or receipt that waits for approval.
        Approving books it: a count sets the bin's book, a receipt adds to it."""
        op = ApproveStockChange(task_id=task_id, decision=data.decision, qty=data.qty)
        outcome = await run_one(state.db, op, actor=request.user.id)
        return outcome.result
