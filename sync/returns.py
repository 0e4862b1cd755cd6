"""Customer returns: an RMA authorised from a shipped order, its units scanned in and inspected (back
to a bin or to scrap), refunds recorded against it, and closed.

An RMA moves requested → receiving (first units in) → inspected (every expected unit in; each scan
carries its inspection, so receipt and inspection complete together) → refunded (refunds reach its
value) → closed. Closing is possible from any status; a closed RMA takes no more units or refunds.
"""

from __future__ import annotations

from typing import Any

from .allocation import PICKABLE_KINDS, feed_backorders
from .context import ApplyContext
from .errors import IllegalTransition, Invalid, NotFound, Rejected
from .floor import check_room, location_named, product_named, stock_at, stock_row
from .model import Location, Order, Product, Refund, Rma, RmaLine, State
from .ops import CloseRma, CreateRma, RecordRefund, ReturnReceive
from .reads import Reads
from .registry import STAFF, registers

RMA_STATUSES = ("requested", "receiving", "inspected", "refunded", "closed")
# Units may still arrive on these (a refund on proof of posting comes before the parcel does).
RECEIVABLE = frozenset({"requested", "receiving", "inspected", "refunded"})
RETURNABLE_ORDERS = ("shipped", "delivered")


def _order_of(state: State, order_id: int, field: str = "order_id") -> Order:
    order = state.orders.get(order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {order_id}", field=field)
    return order


def rma_named(state: State, rma_id: int) -> Rma:
    rma = state.rmas.get(rma_id)
    if rma is None:
        raise NotFound("unknown_rma", f"no RMA {rma_id}", field="rma_id")
    return rma


def expected_back(state: State, line_id: int, but: int | None = None) -> int:
    """Units of an order line that RMAs already account for: what open RMAs expect (or more, if more
    came), what closed ones actually received."""
    total = 0
    for rma in state.rmas.values():
        if rma.id == but:
            continue
        for rl in state.lines_of_rma(rma.id):
            if rl.order_line == line_id:
                total += rl.qty_received if rma.status == "closed" else max(rl.qty_expected, rl.qty_received)
    return total


def received_back(state: State, line_id: int) -> int:
    return sum(rl.qty_received for rl in state.rma_lines.values() if rl.order_line == line_id)


# -- create_rma ---------------------------------------------------------------------------------


def _reads_create_rma(op: CreateRma, reads: Reads) -> None:
    reads.order_ids.add(op.order_id)
    reads.rmas_of.add(op.order_id)
    reads.rma_codes.add(op.code)


@registers(CreateRma, reads=_reads_create_rma, roles=STAFF, device=False)
def apply_create_rma(state: State, op: CreateRma, ctx: ApplyContext) -> dict[str, Any]:
    order = _order_of(state, op.order_id)
    ctx.about(sales_order=order.id)
    if order.status not in RETURNABLE_ORDERS:
        raise Rejected(
            "not_shipped",
            f"order {order.external_ref} is {order.status}; only shipped or delivered orders can be returned",
            field="order_id",
        )
    if op.code in state.rmas_by_code:
        raise Rejected("duplicate_code", f"an RMA {op.code} exists already", field="code")
    seen: set[int] = set()
    for i, wanted in enumerate(op.lines):
        line = state.lines.get(wanted.order_line_id)
        if line is None or line.sales_order != order.id:
            raise Rejected(
                "not_on_order",
                f"order line {wanted.order_line_id} is not a line of order {order.external_ref}",
                field=f"lines[{i}].order_line_id",
            )
        if line.id in seen:
            raise Invalid(
                "duplicate_line", f"order line {line.id} is named twice; give it once with the total", field=f"lines[{i}]"
            )
        seen.add(line.id)
        sku = state.products[line.product].sku
        left = line.qty_picked - expected_back(state, line.id)
        if wanted.qty > left:
            raise Rejected(
                "more_than_sent",
                f"at most {max(0, left)} × {sku} can be returned: {line.qty_picked} sent, "
                f"{line.qty_picked - left} already on earlier RMAs",
                field=f"lines[{i}].qty",
            )
    rma = state.add(
        Rma(
            id=state.temp_id(),
            code=op.code,
            sales_order=order.id,
            reason=op.reason,
            note=op.note,
            status="requested",
            created_at=ctx.now,
            value_cents=op.value_cents,
            currency=op.currency,
        )
    )
    for wanted in op.lines:
        state.add(RmaLine(id=state.temp_id(), rma=rma.id, order_line=wanted.order_line_id, qty_expected=wanted.qty))
    return {"rma_id": rma.id, "code": rma.code, "order_id": order.id}


# -- return_receive -----------------------------------------------------------------------------


def _reads_return_receive(op: ReturnReceive, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.skus.add(op.sku)
    if op.order_id is not None:
        reads.order_ids.add(op.order_id)
    if op.location is not None:
        reads.stock_at(op.location, op.sku)
    if op.rma is not None:
        reads.rma_codes.add(op.rma)


def _put(
    state: State, ctx: ApplyContext, product: Product, location: Location | None, condition: str, qty: int
) -> dict[str, int]:
    """The inspected units: resellable ones onto the bin's book (and to waiting orders), damaged ones scrapped."""
    if condition == "resellable":
        assert location is not None
        stock = stock_row(state, location, product, "")
        stock.on_hand += qty
        state.touch(stock)
        if location.kind in PICKABLE_KINDS:
            feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
        return {"restocked": qty, "scrapped": 0}
    return {"restocked": 0, "scrapped": qty}


def _bin_for(state: State, op: ReturnReceive, product: Product) -> Location | None:
    if op.condition == "damaged" and op.location is None:
        return None
    if op.location is None:
        raise Invalid("missing_location", "resellable units go to a bin: scan the bin (location)", field="location")
    location = location_named(state, op.location)
    if op.condition == "resellable":
        check_room(stock_at(state, location, product, ""), op.qty)
    return location


@registers(ReturnReceive, reads=_reads_return_receive, roles=STAFF | {"packer"}, device=True)
def apply_return_receive(state: State, op: ReturnReceive, ctx: ApplyContext) -> dict[str, Any]:
    if op.rma is not None:
        return _receive_on_rma(state, op, op.rma, ctx)
    if op.order_id is None:
        raise Invalid("missing_order", "name the RMA (rma) or the order (order_id) the units came back from", field="rma")
    order = _order_of(state, op.order_id)
    product = product_named(state, op.sku)
    if op.location is None:
        raise Invalid("missing_location", "a return without an RMA names the bin (location)", field="location")
    location = location_named(state, op.location)
    ctx.about(sales_order=order.id, product=product.id, location=location.id)
    if order.status not in RETURNABLE_ORDERS:
        raise Rejected(
            "not_shipped", f"order {order.external_ref} is {order.status}; only shipped orders can be returned", field="order_id"
        )
    line = next((l for l in state.lines_of(order.id) if l.product == product.id), None)
    if line is None:
        raise Rejected("not_on_order", f"{op.sku} is not on order {order.external_ref}", field="sku")
    if op.qty > line.qty_picked:
        raise Rejected("more_than_sent", f"order {order.external_ref} sent {line.qty_picked} × {op.sku}", field="qty")
    if op.condition == "resellable":
        check_room(stock_at(state, location, product, ""), op.qty)
    return {"order_id": order.id, **_put(state, ctx, product, location, op.condition, op.qty)}


def _receive_on_rma(state: State, op: ReturnReceive, code: str, ctx: ApplyContext) -> dict[str, Any]:
    rma = state.rmas_by_code.get(code)
    if rma is None:
        raise NotFound("unknown_rma", f"no RMA {code}", field="rma")
    order = _order_of(state, rma.sales_order)
    ctx.about(sales_order=order.id)
    if op.order_id is not None and op.order_id != order.id:
        raise Rejected(
            "rma_of_other_order", f"{rma.code} is for order {order.external_ref}, not order {op.order_id}", field="order_id"
        )
    if rma.status not in RECEIVABLE:
        raise Rejected("rma_closed", f"{rma.code} is {rma.status}; it takes no more units", field="rma")
    product = product_named(state, op.sku)
    ctx.about(product=product.id)
    rma_line = next((rl for rl in state.lines_of_rma(rma.id) if state.lines[rl.order_line].product == product.id), None)
    if rma_line is None:
        raise Rejected("not_on_rma", f"{op.sku} is not on {rma.code}: set it aside for your supervisor", field="sku")
    line = state.lines[rma_line.order_line]
    sent_left = line.qty_picked - received_back(state, line.id)
    if op.qty > sent_left:
        raise Rejected(
            "more_than_sent",
            f"order {order.external_ref} sent {line.qty_picked} × {op.sku} and {line.qty_picked - sent_left} came back already",
            field="qty",
        )
    location = _bin_for(state, op, product)
    if location is not None:
        ctx.about(location=location.id)
    expected_left = rma_line.qty_expected - rma_line.qty_received
    if op.qty > expected_left:
        ctx.adjust(
            "more_than_expected",
            f"{rma.code} expected {rma_line.qty_expected} × {op.sku}; {rma_line.qty_received + op.qty} arrived. "
            "The units were recorded as inspected; check the RMA and the refund.",
        )
    put = _put(state, ctx, product, location, op.condition, op.qty)
    rma_line.qty_received += op.qty
    rma_line.qty_restocked += put["restocked"]
    rma_line.qty_scrapped += put["scrapped"]
    state.touch(rma_line)
    if rma.status in ("requested", "receiving"):
        done = all(rl.qty_received >= rl.qty_expected for rl in state.lines_of_rma(rma.id))
        rma.status = "inspected" if done else "receiving"
    state.touch(rma)  # its version moves: the packers' phones get the new counts
    return {"order_id": order.id, "rma_id": rma.id, "rma_status": rma.status, **put}


# -- record_refund, close_rma -------------------------------------------------------------------


def _reads_rma(op: RecordRefund | CloseRma, reads: Reads) -> None:
    reads.rma_ids.add(op.rma_id)


def refunded(state: State, rma: Rma) -> int:
    return sum(r.amount_cents for r in state.refunds_of(rma.id))


@registers(RecordRefund, reads=_reads_rma, roles=STAFF, device=False)
def apply_record_refund(state: State, op: RecordRefund, ctx: ApplyContext) -> dict[str, Any]:
    rma = rma_named(state, op.rma_id)
    ctx.about(sales_order=rma.sales_order)
    if rma.status == "closed":
        raise IllegalTransition("rma_closed", f"{rma.code} is closed; it takes no more refunds", field="rma_id")
    if rma.status == "requested":
        raise IllegalTransition(
            "nothing_received", f"nothing has come back on {rma.code} yet; refunds are recorded once units arrive", field="rma_id"
        )
    if op.currency != rma.currency:
        raise Invalid("wrong_currency", f"{rma.code} is refunded in {rma.currency}, not {op.currency}", field="currency")
    already = refunded(state, rma)
    left = rma.value_cents - already
    if op.amount_cents > left:
        raise Rejected(
            "over_refund",
            f"at most {_money(left, rma.currency)} more can be refunded on {rma.code} "
            f"(value {_money(rma.value_cents, rma.currency)}, refunded {_money(already, rma.currency)})",
            field="amount_cents",
        )
    refund = state.add(
        Refund(
            id=state.temp_id(),
            rma=rma.id,
            amount_cents=op.amount_cents,
            currency=op.currency,
            method=op.method,
            reference=op.reference,
            created_at=ctx.now,
            ledger_id=ctx.ledger_id,
        )
    )
    if already + op.amount_cents == rma.value_cents:
        rma.status = "refunded"
    state.touch(rma)
    return {"refund_id": refund.id, "rma_id": rma.id, "refunded_cents": already + op.amount_cents, "rma_status": rma.status}


@registers(CloseRma, reads=_reads_rma, roles=STAFF, device=False)
def apply_close_rma(state: State, op: CloseRma, ctx: ApplyContext) -> dict[str, Any]:
    rma = rma_named(state, op.rma_id)
    ctx.about(sales_order=rma.sales_order)
    if rma.status == "closed":
        raise IllegalTransition("rma_closed", f"{rma.code} is closed already", field="rma_id")
    rma.status = "closed"
    rma.closed_at = ctx.now
    if op.note:
        rma.note = f"{rma.note}\n{op.note}".strip()
    state.touch(rma)
    return {"rma_id": rma.id, "rma_status": rma.status}


def _money(cents: int, currency: str) -> str:
    return f"{cents // 100}.{cents % 100:02d} {currency}"
