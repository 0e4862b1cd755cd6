"""Stock adjustments: a counted or physical difference booked at one location, with a reason."""

from __future__ import annotations

from typing import Any

from .allocation import PICKABLE_KINDS, feed_backorders, shrink_reservations
from .context import ApplyContext
from .errors import Invalid, NotFound, Rejected
from .floor import check_room, floor_task, location_named, product_named, stock_at, stock_row
from .model import FloorTask, Location, Product, PurchaseOrder, State, Stock
from .ops import AdjustStock, ApproveStockChange, Count, Move, Receive
from .reads import UNBOUNDED, Reads
from .receiving import FLOOR_RECEIVERS, count_on_po, po_named
from .registry import STAFF, registers
from .supervision import exception_named, resolve


def _reads_adjust_stock(op: AdjustStock, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.stock_at(op.location, op.sku)
    if op.qty_delta < 0:
        reads.take(op.location, op.sku, -op.qty_delta)


@registers(AdjustStock, reads=_reads_adjust_stock, roles=STAFF, device=False)
def apply_adjust(state: State, op: AdjustStock, ctx: ApplyContext) -> dict[str, Any]:
    location = state.locations_by_code.get(op.location)
    if location is None:
        raise NotFound("unknown_location", f"no location with code {op.location!r}", field="location")
    product = state.products_by_sku.get(op.sku)
    if product is None:
        raise NotFound("unknown_sku", f"no product with SKU {op.sku!r}", field="sku")
    if op.qty_delta == 0:
        raise Invalid("zero_delta", "qty_delta must not be 0", field="qty_delta")
    stock = next((s for s in state.stock_of(product.id) if s.location == location.id and s.lot == op.lot), None)
    on_hand = stock.on_hand if stock else 0
    if on_hand + op.qty_delta < 0:
        raise Invalid(
            "negative_stock",
            f"{op.location} holds {on_hand} of {op.sku}{' lot ' + op.lot if op.lot else ''}; "
            f"qty_delta {op.qty_delta} would make it negative",
            field="qty_delta",
        )
    if op.qty_delta > 0:
        check_room(stock, op.qty_delta, "qty_delta")
    if stock is None:
        stock = state.add(Stock(state.temp_id(), location.id, product.id, op.lot, op.expiry, 0, 0))
    stock.on_hand += op.qty_delta
    if op.expiry is not None:
        stock.expiry = op.expiry
    state.touch(stock)
    if op.qty_delta < 0:
        shrink_reservations(state, stock, ctx.now, ctx.ledger_id)
    elif location.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "reserved": stock.reserved}


def _reads_receive(op: Receive, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.stock_at(op.location, op.sku)
    if op.po is not None:
        reads.po_ids.add(op.po)


@registers(Receive, reads=_reads_receive, roles=FLOOR_RECEIVERS, device=True)
def apply_receive(state: State, op: Receive, ctx: ApplyContext) -> dict[str, Any]:
    """Units into the scanned bin (put away in the same step); against a PO, also counted on its lines."""
    location = location_named(state, op.location)
    product = product_named(state, op.sku)
    po = po_named(state, op.po) if op.po is not None else None
    ctx.about(location=location.id, product=product.id)
    check_room(stock_at(state, location, product, op.lot), op.qty)
    if op.qty > ctx.policy.receipt_max_units:
        existing = stock_at(state, location, product, op.lot)
        book = existing.on_hand if existing is not None else 0
        _await_approval(
            state,
            ctx,
            "approve_receipt",
            location,
            product,
            op.lot,
            op.qty,
            f"received {op.qty} × {op.sku} into {location.code} (more than {ctx.policy.receipt_max_units} in one scan)",
            po,
        )
        # The PO counts the units when the supervisor approves them (as scanned or corrected), never a
        # mistyped count that is then refused.
        return {"on_hand": book, "received": 0, "pending": op.qty} | ({"po": po.id} if po is not None else {})
    stock = stock_row(state, location, product, op.lot, op.expiry)
    stock.on_hand += op.qty
    if op.expiry is not None:
        stock.expiry = op.expiry
    state.touch(stock)
    if location.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "received": op.qty} | _on_po(
        state, ctx, po, product, op.qty, location
    )


def _on_po(
    state: State, ctx: ApplyContext, po: PurchaseOrder | None, product: Product, qty: int, location: Location
) -> dict[str, Any]:
    return count_on_po(state, ctx, po, product, qty, location.code) if po is not None else {}


def _await_approval(
    state: State,
    ctx: ApplyContext,
    kind: str,
    location: Location,
    product: Product,
    lot: str,
    qty: int,
    what: str,
    po: PurchaseOrder | None = None,
) -> None:
    """Record a stock change beyond the warehouse's tolerance without booking it: a task a supervisor
    approves (or corrects, or refuses) with `approve_stock_change`, and the op's exception says so."""
    who = ctx.actor_name or f"user {ctx.actor}"
    floor_task(
        state,
        ctx,
        kind,
        location=location.id,
        product=product.id,
        lot=lot,
        qty=qty,
        note=f"{who} {what} at {ctx.now:%Y-%m-%d %H:%M} UTC",
        purchase_order=po.id if po is not None else None,
    )
    ctx.adjust("awaits_approval", f"{who} {what}: recorded, and the book stays as it is until a supervisor approves it.")


def _reads_count(op: Count, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.stock_at(op.location, op.sku)
    reads.counts.add((op.location, op.sku))
    reads.take(op.location, op.sku, UNBOUNDED)
    if op.task_id is not None:
        reads.floor_task_ids.add(op.task_id)


def _count_task(state: State, op: Count, ctx: ApplyContext, location: Location, product: Product) -> FloorTask | None:
    """The count task a count answers (checked before anything changes): open, for this bin and SKU, and
    the sender's own when only the assignment lets them count."""
    if op.task_id is None:
        return None
    task = state.floor_tasks.get(op.task_id)
    if task is None or task.kind != "cycle_count":
        raise NotFound("unknown_count_task", f"no count task {op.task_id}", field="task_id")
    if (ctx.assigned_only or not _staff(state, ctx)) and task.assignee != ctx.actor:
        raise Rejected(
            "not_your_task",
            f"count task {task.id} is not assigned to {ctx.actor_name or 'you'}; only its assignee or a supervisor may count it",
            field="task_id",
            status=403,
        )
    if task.status != "open":
        raise Rejected("task_closed", f"count task {task.id} is {task.status}", field="task_id")
    if task.location != location.id:
        code = state.locations[task.location].code if task.location in state.locations else "another bin"
        raise Invalid("wrong_location", f"count task {task.id} is for {code}, not {location.code}", field="location")
    if task.product is not None and task.product != product.id:
        sku = state.products[task.product].sku if task.product in state.products else "another SKU"
        raise Invalid("wrong_item", f"count task {task.id} is for {sku}, not {product.sku}", field="sku")
    return task


def _staff(state: State, ctx: ApplyContext) -> bool:
    """The sender is a supervisor or admin (or a trusted caller with no user: the seeder, a replay)."""
    user = state.users.get(ctx.actor) if ctx.actor is not None else None
    return user is None or user.role in STAFF


# Floor staff count any bin ad hoc (a picker who finds a bin that looks wrong counts it there and
# then); the policy decides whether the book follows at once or after a supervisor's approval. A
# count task, though, is answered by its assignee (or a supervisor); any user may answer one assigned
# to them.
@registers(Count, reads=_reads_count, roles=STAFF | {"picker"}, device=True, assigned=True)
def apply_count(state: State, op: Count, ctx: ApplyContext) -> dict[str, Any]:
    """The book follows the count within the policy's tolerance (beyond it, it waits for a supervisor's
    approval); a difference is flagged, and open counts of that bin are closed."""
    location = location_named(state, op.location)
    product = product_named(state, op.sku)
    ctx.about(location=location.id, product=product.id)
    task = _count_task(state, op, ctx, location, product)
    if task is not None:  # this count answers it, whether the book follows now or after an approval
        task.status = "done"
        state.touch(task)
    existing = stock_at(state, location, product, op.lot)
    book = existing.on_hand if existing is not None else 0
    if ctx.policy.count_needs_approval(book, op.counted):
        _await_approval(
            state,
            ctx,
            "approve_count",
            location,
            product,
            op.lot,
            op.counted,
            f"counted {op.counted} × {op.sku} in {location.code}, the book has {book}",
        )
        return {"on_hand": book, "difference": 0, "pending": op.counted - book}
    stock = stock_row(state, location, product, op.lot)
    return _book_count(state, ctx, location, product, stock, op.counted)


def _book_count(
    state: State, ctx: ApplyContext, location: Location, product: Product, stock: Stock, counted: int
) -> dict[str, Any]:
    """The book follows a count: reservations shrink or backorders are fed, a difference is flagged,
    and the open cycle counts of that bin are done."""
    difference = counted - stock.on_hand
    stock.on_hand = counted
    state.touch(stock)
    if difference < 0 and stock.reserved > stock.on_hand:
        shrink_reservations(state, stock, ctx.now, ctx.ledger_id)
    elif difference > 0 and location.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    if difference:
        ctx.flag(
            "stock_discrepancy",
            "count_difference",
            f"{location.code}: counted {counted} × {product.sku}, the book had {counted - difference}",
            location=location.id,
            product=product.id,
            qty=difference,
        )
    for task in state.floor_tasks.values():
        if task.kind == "cycle_count" and task.status == "open" and task.location == location.id and task.product == product.id:
            task.status = "done"
            state.touch(task)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "difference": difference}


def _reads_approve_stock_change(op: ApproveStockChange, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.floor_task_ids.add(op.task_id)
    if op.exception_id is not None:
        reads.exception_ids.add(op.exception_id)


@registers(ApproveStockChange, reads=_reads_approve_stock_change, roles=STAFF, device=False)
def apply_approve_stock_change(state: State, op: ApproveStockChange, ctx: ApplyContext) -> dict[str, Any]:
    """Book (as scanned or corrected) or refuse a count or receipt that waited for approval."""
    task = state.floor_tasks.get(op.task_id)
    if task is None or task.kind not in ("approve_count", "approve_receipt"):
        raise NotFound("unknown_approval", f"no stock change {op.task_id} waits for approval", field="task_id")
    if task.status != "open":
        raise Rejected("already_decided", f"stock change {op.task_id} was already decided", field="task_id")
    if task.location not in state.locations or task.product not in state.products:
        raise NotFound("unknown_location", f"the location or product of stock change {op.task_id} is gone", field="task_id")
    location, product = state.locations[task.location], state.products[task.product]
    exception_named(state, op.exception_id)
    ctx.about(location=location.id, product=product.id)
    qty = task.qty if op.qty is None else op.qty
    result: dict[str, Any] = {"task_id": task.id, "decision": op.decision, "difference": 0, "received": 0}
    if op.decision == "approve":
        if task.kind == "approve_receipt":
            check_room(stock_at(state, location, product, task.lot), qty)
            stock = stock_row(state, location, product, task.lot)
            stock.on_hand += qty
            state.touch(stock)
            if qty and location.kind in PICKABLE_KINDS:
                feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
            result |= {"received": qty, "on_hand": stock.on_hand}
            po = state.purchase_orders.get(task.purchase_order) if task.purchase_order is not None else None
            if po is not None:
                result |= count_on_po(state, ctx, po, product, qty, location.code)
        else:
            stock = stock_row(state, location, product, task.lot)
            booked = _book_count(state, ctx, location, product, stock, qty)
            result |= {"difference": booked["difference"], "on_hand": booked["on_hand"]}
    task.status = "done"
    state.touch(task)
    if op.exception_id is not None:
        if op.decision == "refuse":
            done = f"refused the {'count' if task.kind == 'approve_count' else 'receipt'} of {qty} × {product.sku} in {location.code}"
        elif task.kind == "approve_receipt":
            done = f"approved a receipt of {qty} × {product.sku} into {location.code}"
        else:
            done = f"approved a count of {qty} × {product.sku} in {location.code}"
        result["exception_id"] = resolve(state, ctx, op.exception_id, done)
    return result


def _reads_move(op: Move, reads: Reads) -> None:
    reads.feeds_backorders()
    reads.skus.add(op.sku)
    reads.location_codes.update((op.from_location, op.to_location))
    reads.take(op.from_location, op.sku, op.qty)


@registers(Move, reads=_reads_move, roles=STAFF | {"picker"}, device=True)
def apply_move(state: State, op: Move, ctx: ApplyContext) -> dict[str, Any]:
    source = location_named(state, op.from_location, "from_location")
    target = location_named(state, op.to_location, "to_location")
    product = product_named(state, op.sku)
    ctx.about(location=source.id, product=product.id)
    if source.id == target.id:
        raise Invalid("same_location", "from_location and to_location are the same", field="to_location")
    # A move never changes how many units of a SKU the warehouse holds: the book moves what the source
    # held at most. More than that is a discrepancy, not found stock: both bins are counted and the
    # counts set the book right (a count is one of the ops that may change a SKU's total).
    source_stock = stock_at(state, source, product, op.lot)
    on_book = source_stock.on_hand if source_stock is not None else 0
    moved = min(op.qty, on_book)
    check_room(stock_at(state, target, product, op.lot), moved)
    if source_stock is not None and moved:
        source_stock.on_hand -= moved
        state.touch(source_stock)
        if source_stock.reserved > source_stock.on_hand:
            shrink_reservations(state, source_stock, ctx.now, ctx.ledger_id)
    stock = stock_row(state, target, product, op.lot)
    stock.on_hand += moved
    state.touch(stock)
    if moved < op.qty:
        for bin_ in (source, target):
            floor_task(
                state,
                ctx,
                "cycle_count",
                location=bin_.id,
                product=product.id,
                note=f"{op.qty} {product.sku} moved {source.code} → {target.code}; the book held {on_book}",
                for_actor=True,
            )
        ctx.adjust(
            "stock_discrepancy",
            f"{source.code} held {on_book} of {product.sku} on the book, {op.qty} were moved; "
            f"the book moved {moved} and counts of {source.code} and {target.code} were created.",
        )
    if moved and target.kind in PICKABLE_KINDS:
        feed_backorders(state, product.id, ctx.now, ctx.ledger_id)
    return {"stock_id": stock.id, "on_hand": stock.on_hand, "moved": moved}
