"""Picking: units from a bin into a tote for an order line — and every way the floor can differ from the plan.

The physical world wins: units that left a bin left it, whatever the book says. The rules record
that fact, then adapt the bookkeeping and tell someone (the conflict rules in docs/sync-protocol.md).
"""

from __future__ import annotations

from typing import Any

from .allocation import allocate_line, unreserve
from .context import ApplyContext
from .errors import Invalid, NotFound, Rejected
from .floor import committed, floor_task, line_named, location_named, order_of, product_named, stock_at, take_from_bin
from .model import Line, Location, Order, PickTask, Product, ScopeExit, State, age
from .ops import Pick, PickShort, ReassignTask
from .orders import line_status, own_lines, set_status
from .reads import UNBOUNDED, Reads
from .registry import STAFF, registers
from .supervision import exception_named, resolve

PICKING = frozenset({"released", "picking"})


def _release_excess(state: State, line: Line) -> None:
    """A line never holds more than its quantity: give back reservations beyond it."""
    excess = committed(state, line) - line.qty
    if excess <= 0:
        return
    for reservation in sorted(state.reservations_of(line.id), key=lambda r: age(r.id), reverse=True):
        if excess <= 0:
            break
        excess -= unreserve(state, reservation, excess)


def _sync_line(state: State, line: Line) -> None:
    line.qty_allocated = min(line.qty, committed(state, line))
    line.status = line_status(line)
    state.touch(line)


def _task_people(state: State, ctx: ApplyContext, tasks: list[PickTask]) -> None:
    """A task reassigned while the picker was offline: the pick stands, the exception names both people."""
    owners = {t.picker for t in tasks if t.status == "open"}
    if owners and ctx.actor not in owners:
        others = [state.users[p].username if p in state.users else f"user {p}" for p in sorted(owners)]
        ctx.people += [ctx.actor_name or f"user {ctx.actor}", *others]
        ctx.adjust(
            "task_reassigned",
            f"This task now belongs to {', '.join(others)}; {ctx.actor_name or 'you'} picked it. Both are told.",
        )


def _advance_tasks(state: State, line: Line, location_id: int, qty: int) -> None:
    for task in sorted(state.tasks_of_line(line.id), key=lambda t: (t.location != location_id, t.seq)):
        if qty <= 0:
            break
        if task.status != "open":
            continue
        step = min(qty, task.qty - task.qty_picked)
        task.qty_picked += step
        qty -= step
        if task.qty_picked >= task.qty or line.qty_picked >= line.qty:
            task.status = "done"
        state.touch(task)
    if line.qty_picked >= line.qty:
        for task in state.tasks_of_line(line.id):
            if task.status == "open":
                task.status = "done"
                state.touch(task)


def _advance_order(state: State, ctx: ApplyContext, line: Line) -> None:
    order = order_of(state, line)
    if order.status == "released":
        set_status(state, order, "picking", ctx.now, ctx.ledger_id)
    live = own_lines(state.lines_of(order.id))  # drop-ship lines leave from the supplier
    if order.status == "picking" and all(l.qty_picked >= l.qty for l in live):
        set_status(state, order, "picked", ctx.now, ctx.ledger_id)


def _scanned(state: State, op: Pick | PickShort, ctx: ApplyContext) -> tuple[Line, Product, Location, Order]:
    """The line, product, bin and order a pick or short pick names; the scanned item must be the line's."""
    line = line_named(state, op.order_line_id)
    product = product_named(state, op.sku)
    location = location_named(state, op.location)
    order = order_of(state, line)
    ctx.about(sales_order=order.id, order_line=line.id, location=location.id, product=product.id)
    if product.id != line.product:
        expected = state.products[line.product].sku if line.product in state.products else "another SKU"
        raise Rejected("wrong_item", f"{op.sku} is not the item of line {line.id} ({expected}); put it back", field="sku")
    _task_people(state, ctx, state.tasks_of_line(line.id))
    return line, product, location, order


def _reads_pick(op: Pick, reads: Reads) -> None:
    reads.line_ids.add(op.order_line_id)
    reads.stock_at(op.location, op.sku)
    reads.take(op.location, op.sku, op.qty, op.order_line_id)


def _note_tote(line: Line, tote: str) -> None:
    """Remember the tote the units went into (the pack bench finds the order by it); a line split over
    more totes than its column holds keeps the first ones — the order's code finds it as well."""
    if tote and tote not in line.totes.split(","):
        joined = f"{line.totes},{tote}" if line.totes else tote
        if len(joined) <= 200:
            line.totes = joined


@registers(Pick, reads=_reads_pick, roles=STAFF | {"picker"}, device=True)
def apply_pick(state: State, op: Pick, ctx: ApplyContext) -> dict[str, Any]:
    line, product, location, order = _scanned(state, op, ctx)

    stock = stock_at(state, location, product, op.lot)
    # Units for an order that is cancelled, or not released, go back: the whole scan is a put-away.
    if order.status == "cancelled" or line.status == "cancelled":
        code = "order_cancelled" if order.status == "cancelled" else "line_cancelled"
        why = "was cancelled"
    elif order.status not in PICKING and order.status not in ("picked", "packed", "shipped", "delivered"):
        code, why = "order_not_released", f"is {order.status}, not released"
    else:
        code = None
    if code is not None:
        take_from_bin(state, ctx, stock, location, product, op.qty)
        floor_task(
            state,
            ctx,
            "put_away",
            product=product.id,
            lot=op.lot,
            qty=op.qty,
            tote=op.tote,
            order=order.id,
            note=f"order {order.id} {why}: put {op.qty} {op.sku} away",
            for_actor=True,
        )
        ctx.adjust(code, f"Order {order.external_ref} {why}: put {op.qty} × {op.sku} back (a put-away task was created).")
        return {"picked": 0, "put_away": op.qty}

    fill = min(op.qty, line.qty - line.qty_picked)
    surplus = op.qty - fill
    # The line's reservation in this bin turns into picked units first; only then does the bin's
    # book lose the units, so other orders' reservations shrink only if the bin really ran short.
    if fill and stock is not None:
        use = fill
        for reservation in [r for r in state.reservations_of(line.id) if r.stock == stock.id]:
            use -= unreserve(state, reservation, use)
    take_from_bin(state, ctx, stock, location, product, op.qty)
    if fill:
        line.qty_picked += fill
        _note_tote(line, op.tote)
        _release_excess(state, line)
        _sync_line(state, line)
        _advance_tasks(state, line, location.id, fill)
        _advance_order(state, ctx, line)
    if surplus:
        floor_task(
            state,
            ctx,
            "put_away",
            product=product.id,
            lot=op.lot,
            qty=surplus,
            tote=op.tote,
            order=order.id,
            note=f"{surplus} more than line {line.id} needed",
            for_actor=True,
        )
        ctx.adjust(
            "over_pick",
            f"Line needed {fill}; put the other {surplus} × {op.sku} back from the tote (a put-away task was created).",
        )
    return {"picked": fill, "put_away": surplus, "line_qty_picked": line.qty_picked}


def _reads_pick_short(op: PickShort, reads: Reads) -> None:
    reads.allocates_skus.add(op.sku)  # the line is allocated again elsewhere: its own product only
    reads.line_ids.add(op.order_line_id)
    reads.stock_at(op.location, op.sku)
    if op.reason == "empty":  # the whole bin is written off
        reads.take(op.location, op.sku, UNBOUNDED)
    else:  # the missing units come off the line's own reservation there first, like a pick
        reads.take(op.location, op.sku, op.qty_short, op.order_line_id)


@registers(PickShort, reads=_reads_pick_short, roles=STAFF | {"picker"}, device=True)
def apply_pick_short(state: State, op: PickShort, ctx: ApplyContext) -> dict[str, Any]:
    line, product, location, order = _scanned(state, op, ctx)
    stock = stock_at(state, location, product, op.lot)
    # The units are not in the bin: the book loses them, this line's reservation there first.
    # "empty" means nothing is left there at all, whatever the book says.
    if stock is None:
        missing = 0
    elif op.reason == "empty":
        missing = stock.on_hand
    else:
        missing = min(op.qty_short, stock.on_hand)
    if stock is not None:
        for reservation in [r for r in state.reservations_of(line.id) if r.stock == stock.id]:
            unreserve(state, reservation, op.qty_short)
        if missing:
            take_from_bin(state, ctx, stock, location, product, missing)
    floor_task(
        state,
        ctx,
        "cycle_count",
        location=location.id,
        product=product.id,
        qty=0,
        note=f"short pick of {op.qty_short} {op.sku} ({op.reason})",
    )
    ctx.flag(
        "short_pick",
        f"short_{op.reason}",
        f"{op.qty_short} × {op.sku} short at {location.code} ({op.reason}) for order {order.external_ref}",
        sales_order=order.id,
        order_line=line.id,
        location=location.id,
        product=product.id,
        qty=missing,
    )
    # Find the units elsewhere, as a new task for the same picker, or the line waits (backorder).
    open_tasks = [t for t in state.tasks_of_line(line.id) if t.status == "open"]
    for task in open_tasks:
        if task.location == location.id:
            task.status = "short"
            state.touch(task)
    replaced = 0
    _sync_line(state, line)
    if order.status in PICKING:
        before = {r.id: r.qty for r in state.reservations_of(line.id)}
        if committed(state, line) < line.qty:
            allocate_line(state, order, line, exclude=location.id)
        template = open_tasks[0] if open_tasks else None
        for reservation in state.reservations_of(line.id):
            gained = reservation.qty - before.get(reservation.id, 0)
            if gained > 0 and template is not None:
                bin_ = state.stock[reservation.stock]
                state.add(
                    PickTask(
                        id=state.temp_id(),
                        wave=template.wave,
                        picker=template.picker,
                        sales_order=order.id,
                        order_line=line.id,
                        location=bin_.location,
                        product=line.product,
                        lot=bin_.lot,
                        qty=gained,
                        qty_picked=0,
                        seq=template.seq,
                        tote=template.tote,
                        status="open",
                    )
                )
                replaced += gained
    _sync_line(state, line)
    return {"replaced": replaced, "backordered": line.qty - committed(state, line)}


def _reads_reassign_task(op: ReassignTask, reads: Reads) -> None:
    reads.task_ids.add(op.task_id)
    reads.usernames.add(op.picker)
    if op.exception_id is not None:
        reads.exception_ids.add(op.exception_id)


@registers(ReassignTask, reads=_reads_reassign_task, roles=STAFF, device=False)
def apply_reassign(state: State, op: ReassignTask, ctx: ApplyContext) -> dict[str, Any]:
    task = state.tasks.get(op.task_id)
    if task is None:
        raise NotFound("unknown_task", f"no open pick task {op.task_id}", field="task_id")
    picker = state.users_by_name.get(op.picker)
    if picker is None:
        raise NotFound("unknown_user", f"no user {op.picker!r}", field="picker")
    if picker.role != "picker" or not picker.active:
        raise Invalid("not_a_picker", f"{op.picker!r} is not an active picker", field="picker")
    if task.status != "open":
        raise Rejected("task_closed", f"task {task.id} is {task.status}", field="task_id")
    exception_named(state, op.exception_id)
    if task.picker != picker.id:
        state.add(ScopeExit(state.temp_id(), f"picker:{task.picker}", "pick_task", task.id, 0))
        task.picker = picker.id
        state.touch(task)
    if op.exception_id is not None:
        return {
            "task_id": task.id,
            "exception_id": resolve(state, ctx, op.exception_id, f"gave pick task {task.id} to {picker.username}"),
        }
    return {"task_id": task.id}
