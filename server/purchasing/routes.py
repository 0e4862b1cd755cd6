"""HTTP routes for suppliers, purchase proposals, purchase orders (every change an engine op) and the
purchase-order document (printable HTML, and an e-mail to the supplier)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts.security import ADMIN, STAFF, CurrentUser, may_send
from server.apply import run_one
from server.errors import responses
from server.params import RowId
from server.purchasing import service
from server.purchasing.document import TEMPLATE, po_document, po_email
from server.purchasing.schemas import (
    ExpectedIn,
    PoCancelIn,
    ProposalsOut,
    PurchaseOrderIn,
    PurchaseOrderOut,
    SendIn,
    SupplierIn,
    SupplierOut,
    SupplierUpdate,
    TrackingIn,
)
from sync.model import po_code
from sync.ops import (
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    CloseDropShip,
    CreatePurchaseOrder,
    SendPurchaseOrder,
    SetPoExpected,
)

SupplierPath = Annotated[str, Parameter(min_length=1, max_length=32, description="the supplier's code")]
_NO_STORE = CacheControlHeader(no_store=True)


class SupplierController(Controller):
    path = "/api/suppliers"
    tags = ["purchasing"]

    @get("/", guards=[STAFF], responses=responses(401, 403))
    async def list_suppliers(self, state: State) -> list[SupplierOut]:
        """Every supplier, with how many products are bought from them."""
        return await service.list_suppliers(state.db)

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 409, 422))
    async def create(self, data: SupplierIn, state: State) -> SupplierOut:
        """Add a supplier: a code (unique), a name, where purchase orders are e-mailed, a lead time in days."""
        return await service.create_supplier(state.db, data)

    @post("/{code:str}", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404, 422))
    async def update(self, code: SupplierPath, data: SupplierUpdate, state: State) -> SupplierOut:
        """Change a supplier's name, e-mail or lead time; fields left out stay."""
        return await service.update_supplier(state.db, code, data)


async def _po(state: State, po_id: int) -> PurchaseOrderOut:
    po = await service.get_purchase_order(state.db, po_id)
    if po is None:
        raise NotFoundException(f"no purchase order {po_code(po_id)}")
    return po


class PurchaseOrderController(Controller):
    path = "/api/purchase-orders"
    tags = ["purchasing"]

    @get("/", guards=[STAFF], responses=responses(400, 401, 403))
    async def list_pos(
        self,
        state: State,
        status: Annotated[
            Literal["open", "draft", "approved", "sent", "receiving", "received", "closed", "cancelled"] | None,
            Parameter(description="one status, or `open` for draft, approved, sent and receiving"),
        ] = None,
        kind: Literal["stock", "drop_ship"] | None = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
    ) -> list[PurchaseOrderOut]:
        """Purchase orders, newest first, with their lines."""
        return await service.list_purchase_orders(state.db, status, kind, limit)

    @get("/proposals", guards=[STAFF], responses=responses(401, 403))
    async def proposals(self, state: State) -> ProposalsOut:
        """What to order, per supplier: backordered units that free stock and open purchase orders do not
        cover, and products whose stock (available + on order − backordered) is at or below their reorder
        point, topped up to reorder point + reorder quantity (docs/purchasing.md)."""
        return await service.proposals(state.db)

    @post(
        "/",
        guards=[may_send("create_purchase_order")],
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def create(self, data: PurchaseOrderIn, request: Request[CurrentUser, str, State], state: State) -> PurchaseOrderOut:
        """A draft purchase order (usually a proposal's lines): approve, then send it."""
        op = CreatePurchaseOrder(supplier=data.supplier, lines=data.lines, expected_at=data.expected_at, note=data.note)
        outcome = await run_one(state.db, op, actor=request.user.id)
        po = await _po(state, outcome.result["po_id"])
        po.done = f"{po.code} drafted for {po.supplier_name}: {po.units} units. Approve it, then send it."
        return po

    @get("/{po_id:int}", guards=[STAFF], responses=responses(400, 401, 403, 404))
    async def get_one(self, po_id: RowId, state: State) -> PurchaseOrderOut:
        return await _po(state, po_id)

    @post(
        "/{po_id:int}/approve",
        guards=[may_send("approve_purchase_order")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def approve(self, po_id: RowId, request: Request[CurrentUser, str, State], state: State) -> PurchaseOrderOut:
        """A draft approved: it may now be sent. Anything but a draft answers 409."""
        await run_one(state.db, ApprovePurchaseOrder(po_id=po_id), actor=request.user.id)
        po = await _po(state, po_id)
        po.done = f"{po.code} approved; send it to {po.supplier_name}."
        return po

    @post(
        "/{po_id:int}/send",
        guards=[may_send("send_purchase_order")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def send(
        self, po_id: RowId, request: Request[CurrentUser, str, State], state: State, data: SendIn | None = None
    ) -> PurchaseOrderOut:
        """An approved purchase order recorded as sent (e-mail the document, `document.eml`); it is expected
        on `expected_at`, by default today + the supplier's lead time."""
        op = SendPurchaseOrder(po_id=po_id, expected_at=data.expected_at if data else None)
        await run_one(state.db, op, actor=request.user.id)
        po = await _po(state, po_id)
        assert po.expected_at is not None  # sending sets it
        po.done = f"{po.code} sent to {po.supplier_name}; expected {po.expected_at.isoformat()}."
        return po

    @post(
        "/{po_id:int}/expected",
        guards=[may_send("set_po_expected")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def expected(
        self, po_id: RowId, data: ExpectedIn, request: Request[CurrentUser, str, State], state: State
    ) -> PurchaseOrderOut:
        """The supplier confirmed (or moved) the date: the waiting orders' timelines show it."""
        await run_one(state.db, SetPoExpected(po_id=po_id, expected_at=data.expected_at), actor=request.user.id)
        po = await _po(state, po_id)
        po.done = f"{po.code} now expected {data.expected_at.isoformat()}."
        return po

    @post(
        "/{po_id:int}/cancel",
        guards=[may_send("cancel_purchase_order")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def cancel(
        self, po_id: RowId, request: Request[CurrentUser, str, State], state: State, data: PoCancelIn | None = None
    ) -> PurchaseOrderOut:
        """Call off a purchase order nothing has arrived for. A drop-ship's goes with its order (cancel the order)."""
        await run_one(state.db, CancelPurchaseOrder(po_id=po_id, reason=data.reason if data else ""), actor=request.user.id)
        po = await _po(state, po_id)
        po.done = f"{po.code} cancelled."
        return po

    @post(
        "/{po_id:int}/tracking",
        guards=[may_send("close_drop_ship")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def tracking(
        self, po_id: RowId, data: TrackingIn, request: Request[CurrentUser, str, State], state: State
    ) -> PurchaseOrderOut:
        """The supplier shipped a drop-ship: its tracking number closes the purchase order and ships the
        order's lines (the order is shipped once nothing else of it is left in the building)."""
        op = CloseDropShip(po_id=po_id, carrier=data.carrier, tracking_number=data.tracking_number)
        outcome = await run_one(state.db, op, actor=request.user.id)
        po = await _po(state, po_id)
        po.done = f"{po.code} closed: {po.supplier_name} shipped order {po.order_ref} with {data.carrier}, tracking {data.tracking_number}."
        if outcome.status == "adjusted" and outcome.message:
            po.done += f" {outcome.message}"
        return po

    @get(
        "/{po_id:int}/document",
        guards=[STAFF],
        media_type=MediaType.HTML,
        cache_control=_NO_STORE,
        responses=responses(400, 401, 403, 404),
    )
    async def document(self, po_id: RowId, state: State) -> Template:
        """The purchase order to print or show the supplier: lines, dates, where to deliver, and its
        `PO-<id>` code as a Code 128 barcode for the dock."""
        doc = await po_document(state.db, await _po(state, po_id))
        return Template(TEMPLATE, context={"doc": doc})

    @get(
        "/{po_id:int}/document.eml",
        guards=[STAFF],
        media_type="message/rfc822",
        cache_control=_NO_STORE,
        responses=responses(400, 401, 403, 404),
    )
    async def email(self, po_id: RowId, request: Request[CurrentUser, str, State], state: State) -> Response[bytes]:
        """The purchase order as an e-mail (RFC 5322, text and HTML) to the supplier's address, with the
        PO code in the subject: open it in a mail client and send it."""
        doc = await po_document(state.db, await _po(state, po_id), for_email=True)
        html = request.app.template_engine.get_template(TEMPLATE).render(doc=doc)  # type: ignore[union-attr]
        body = po_email(doc, html, state.settings.purchasing_email)
        return Response(
            body,
            media_type="message/rfc822",
            headers={"Content-Disposition": f'attachment; filename="{doc.po.code}.eml"'},
        )
