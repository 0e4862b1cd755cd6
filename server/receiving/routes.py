"""HTTP routes for goods in: the POs open for receiving, a receipt against one, closing it."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_200_OK

from server.accounts.security import CurrentUser, may_send
from server.apply import run_one
from server.errors import responses
from server.params import RowId
from server.receiving import service
from server.receiving.schemas import CloseReceiptIn, Receipt, ReceiptOutcome, ReceiveIn
from sync.model import po_code
from sync.ops import CloseReceipt, Receive


async def _receipt(state: State, po_id: int) -> Receipt:
    async with state.db.read() as tx:
        found = [r for r in await service.receipt_by_id(tx, po_id) if r["kind"] == "stock"]
        answer = await service.receipts(tx, found)
    if not answer:
        raise NotFoundException(f"no stock purchase order {po_code(po_id)}")
    return answer[0]


class ReceiptController(Controller):
    path = "/api/receipts"
    tags = ["receiving"]

    @get("/", guards=[may_send("receive")], responses=responses(400, 401, 403))
    async def open_receipts(self, state: State) -> list[Receipt]:
        """Stock purchase orders open for receiving (sent or partly received), oldest first, each line
        with its barcodes and GTINs, what was ordered and received, and the bins to put it away in."""
        async with state.db.read() as tx:
            return await service.receipts(tx, await service.open_receipts(tx))

    @get("/{po_id:int}", guards=[may_send("receive")], responses=responses(400, 401, 403, 404))
    async def one(self, po_id: RowId, state: State) -> Receipt:
        """One stock purchase order as the receivers see it, whatever its status."""
        return await _receipt(state, po_id)

    @post(
        "/{po_id:int}/items", guards=[may_send("receive")], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404, 422)
    )
    async def receive(
        self, po_id: RowId, data: ReceiveIn, request: Request[CurrentUser, str, State], state: State
    ) -> ReceiptOutcome:
        """Units received against the PO straight into a bin (the `receive` op with `po`). A SKU not on the
        PO, or more than ordered, is booked all the same and answered `adjusted` with its code."""
        op = Receive(
            location=data.location,
            sku=data.sku,
            qty=data.qty,
            lot=data.lot,
            expiry=data.expiry,
            po=po_id,
            reference=data.reference,
        )
        outcome = await run_one(state.db, op, actor=request.user.id)
        return ReceiptOutcome(outcome.status, outcome.code, outcome.message, outcome.result, await _receipt(state, po_id))

    @post(
        "/{po_id:int}/close", guards=[may_send("close_receipt")], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404)
    )
    async def close(
        self, po_id: RowId, data: CloseReceiptIn, request: Request[CurrentUser, str, State], state: State
    ) -> ReceiptOutcome:
        """The delivery is done: each line still short is flagged `under_receipt` for a supervisor; the PO
        stays open for the rest (`result.short` lists the missing units)."""
        outcome = await run_one(state.db, CloseReceipt(po=po_id, reference=data.reference), actor=request.user.id)
        return ReceiptOutcome(outcome.status, outcome.code, outcome.message, outcome.result, await _receipt(state, po_id))
