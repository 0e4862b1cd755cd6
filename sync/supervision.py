"""Supervisor actions on the exception queue: resolve with a comment, order a count, re-release an order.

Every action that closes a queue item can name it (`exception_id`) and resolve it in the same op, so
the ledger holds one row per decision: what was done, by whom, when, and the item it closed.
"""

from __future__ import annotations

from typing import Any

from .allocation import allocate_line
from .context import ApplyContext
from .errors import IllegalTransition, Invalid, NotFound, Rejected
from .floor import floor_task, location_named, product_named
from .model import FloorTask, Line, Order, PickTask, ScopeExit, State, SyncException, User, age
from .ops import OrderCount, ReReleaseOrder, ResolveException
from .orders import ALLOCATABLE, allocation_status, line_status, own_lines, set_status
from .reads import Reads
from .registry import STAFF, registers

# Who may be handed a count task: pickers (the assignment lets them count that bin) and staff.
COUNTERS = frozenset({"picker", "supervisor", "admin"})


def exception_named(state: State, exception_id: int | None) -> SyncException | None:
    """The queue item an action closes (checked before the action changes anything)."""
    if exception_id is None:
        return None
    exception = state.exceptions.get(exception_id)
    if exception is None:
        raise NotFound("unknown_exception", f"no exception {exception_id}", field="exception_id")
    return exception


def resolve(state: State, ctx: ApplyContext, exception_id: int, resolution: str) -> int:
    """Mark a queue item resolved by this op's sender, now, with what was done. Resolving one already
    resolved changes nothing: its first resolution stays in its history."""
    exception = exception_named(state, exception_id)
    assert exception is not None
    if exception.status != "resolved":
        exception.status = "resolved"
        exception.resolution = resolution[:1000]
        exception.resolved_by = ctx.actor
        exception.resolved_at = ctx.now
        state.touch(exception)
    return exception.id


def _reads_resolve_exception(op: ResolveException, reads: Reads) -> None:
    reads.exception_ids.add(op.exception_id)


@registers(ResolveException, reads=_reads_resolve_exception, roles=STAFF, device=False)
def apply_resolve_exception(state: State, op: ResolveException, ctx: ApplyContext) -> dict[str, Any]:
    exception_named(state, op.exception_id)
    resolve(state, ctx, op.exception_id, op.comment.strip() or "resolved")
    return {"exception_id": op.exception_id}


def _user_named(state: State, username: str, field: str, roles: frozenset[str], what: str) -> User:
    user = state.users_by_name.get(username)
    if user is None:
        raise NotFound("unknown_user", f"no user {username!r}", field=field)
    if user.role not in roles or not user.active:
        raise Invalid(f"not_a_{what}", f"{username!r} is not an active {what}", field=field)
    return user


def _reads_order_count(op: OrderCount, reads: Reads) -> None:
    reads.location_codes.add(op.location)
    reads.counts.add((op.location, op.sku or ""))  # loads the open counts: one bin and SKU, one open count task
    if op.sku is not None:
        reads.skus.add(op.sku)
    if op.assignee is not None:
        reads.usernames.add(op.assignee)
    if op.exception_id is not None:
        reads.exception_ids.add(op.exception_id)


@registers(OrderCount, reads=_reads_order_count, roles=STAFF, device=False)
def apply_order_count(state: State, op: OrderCount, ctx: ApplyContext) -> dict[str, Any]:
    """A cycle count task for a bin (and SKU), for the assignee's phone. An open count of the same bin
    and SKU is reused (handed to the assignee) rather than doubled."""
    location = location_named(state, op.location)
    product = product_named(state, op.sku) if op.sku is not None else None
    assignee = _user_named(state, op.assignee, "assignee", COUNTERS, "counter") if op.assignee is not None else None
    exception_named(state, op.exception_id)
    ctx.about(location=location.id, product=product.id if product else None)
    product_id = product.id if product else None
    task = next(
        (
            t
            for t in sorted(state.floor_tasks.values(), key=lambda t: age(t.id))
            if t.kind == "cycle_count" and t.status == "open" and t.location == location.id and t.product == product_id
        ),
        None,
    )
    what = f"{location.code}" + (f" ({product.sku})" if product else "")
    if task is None:
        task = floor_task(
            state,
            ctx,
            "cycle_count",
            location=location.id,
            product=product_id,
            note=f"count {what}" + (f" (exception {op.exception_id})" if op.exception_id else ""),
            assignee=assignee.id if assignee else None,
        )
    elif assignee is not None and task.assignee != assignee.id:
        _hand_over(state, task, assignee.id)
    result: dict[str, Any] = {"task_id": task.id, "location": location.code, "sku": product.sku if product else None}
    result["assignee"] = assignee.username if assignee else None
    if op.exception_id is not None:
        who = f" for {assignee.username}" if assignee else ""
        result["exception_id"] = resolve(state, ctx, op.exception_id, f"ordered a count of {what}{who}")
    return result


def _hand_over(state: State, task: FloorTask, assignee: int) -> None:
    """A floor task changes hands: the previous assignee's phone drops it on its next pull."""
    if task.assignee is not None:
        state.add(ScopeExit(state.temp_id(), f"picker:{task.assignee}", "floor_task", task.id, 0))
    task.assignee = assignee
    state.touch(task)


def _reads_re_release(op: ReReleaseOrder, reads: Reads) -> None:
    reads.allocates = True
    reads.order_ids.add(op.order_id)
    reads.tasks_of.add(op.order_id)  # every task it had: the wave and picker to continue with
    if op.picker is not None:
        reads.usernames.add(op.picker)
    if op.exception_id is not None:
        reads.exception_ids.add(op.exception_id)


ON_THE_FLOOR = frozenset({"released", "picking"})


@registers(ReReleaseOrder, reads=_reads_re_release, roles=STAFF, device=False)
def apply_re_release(state: State, op: ReReleaseOrder, ctx: ApplyContext) -> dict[str, Any]:
    """Give an order another go at the stock it lacks.

    - Not yet released (new, backordered, partially allocated, allocated): its lines reserve what they
      still lack and the order takes the status that implies (allocated ones are ready for a wave).
    - On the floor (released, picking): every open line reserves what it lacks, and units reserved
      but on no open pick task (a short pick found no other bin then) become new pick tasks in the
      order's wave, for `picker` or the order's last picker. The order keeps its status: the state
      machine has no way back from picking.
    - Anything further along, or cancelled: refused (field order_id).
    """
    order = state.orders.get(op.order_id)
    if order is None:
        raise NotFound("unknown_order", f"no order {op.order_id}", field="order_id")
    exception_named(state, op.exception_id)
    ctx.about(sales_order=order.id)
    if order.status in ALLOCATABLE:
        if op.picker is not None:
            raise Invalid(
                "not_on_the_floor",
                f"order {order.external_ref} is {order.status}: it is not on the floor, release it in a wave to give it a picker",
                field="picker",
            )
        result = _re_allocate(state, ctx, order)
        done = f"re-allocated order {order.external_ref}: now {order.status}"
    elif order.status in ON_THE_FLOOR:
        result = _re_task(state, ctx, order, op)
        done = f"re-released order {order.external_ref}: {len(result['task_ids'])} new pick tasks for {result['picker']}"
    else:
        raise IllegalTransition(
            "not_re_releasable",
            f"order {order.external_ref} is {order.status}; only orders not yet picked can be re-released",
            field="order_id",
        )
    if op.exception_id is not None:
        result["exception_id"] = resolve(state, ctx, op.exception_id, done)
    return result


def _lacking(state: State, order: Order) -> list[Line]:
    return [l for l in own_lines(state.lines_of(order.id)) if l.qty_picked < l.qty]


def _re_allocate(state: State, ctx: ApplyContext, order: Order) -> dict[str, Any]:
    reserved = sum(allocate_line(state, order, line) for line in _lacking(state, order))
    for line in state.lines_of(order.id):
        line.status = line_status(line)
        state.touch(line)
    set_status(state, order, allocation_status(state.lines_of(order.id)), ctx.now, ctx.ledger_id, note="re-allocated")
    return {"order_id": order.id, "status": order.status, "reserved": reserved, "task_ids": []}


def _re_task(state: State, ctx: ApplyContext, order: Order, op: ReReleaseOrder) -> dict[str, Any]:
    tasks = sorted(state.tasks_of_order(order.id), key=lambda t: age(t.id))
    if op.picker is not None:
        picker = _user_named(state, op.picker, "picker", frozenset({"picker"}), "picker").id
    elif tasks:
        picker = tasks[-1].picker
    else:
        raise Invalid("picker_required", f"order {order.external_ref} has no pick tasks yet: name a picker", field="picker")
    if not tasks:
        raise Rejected("no_wave", f"order {order.external_ref} has no wave to continue", field="order_id")
    template = tasks[-1]
    reserved = 0
    new: list[PickTask] = []
    for line in _lacking(state, order):
        reserved += allocate_line(state, order, line)
        line.status = line_status(line)
        state.touch(line)
        # Units the line holds in a bin beyond what open tasks there will still pick get a task.
        for reservation in sorted(state.reservations_of(line.id), key=lambda r: age(r.id)):
            stock = state.stock[reservation.stock]
            tasked = sum(
                t.qty - t.qty_picked
                for t in state.tasks_of_line(line.id)
                if t.status == "open" and t.location == stock.location and t.lot == stock.lot
            )
            if reservation.qty > tasked:
                new.append(
                    state.add(
                        PickTask(
                            id=state.temp_id(),
                            wave=template.wave,
                            picker=picker,
                            sales_order=order.id,
                            order_line=line.id,
                            location=stock.location,
                            product=line.product,
                            lot=stock.lot,
                            qty=reservation.qty - tasked,
                            qty_picked=0,
                            seq=template.seq,
                            tote=template.tote,
                            status="open",
                        )
                    )
                )
    if not new:
        raise Rejected(
            "nothing_to_pick",
            f"order {order.external_ref}: no stock is free for what it still lacks, and every reserved unit has a pick task",
            field="order_id",
        )
    name = state.users[picker].username if picker in state.users else f"user {picker}"
    return {"order_id": order.id, "status": order.status, "reserved": reserved, "task_ids": [t.id for t in new], "picker": name}
