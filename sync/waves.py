"""Releasing allocated orders into a wave of pick tasks, sorted along the walking path."""

from __future__ import annotations

from typing import Any

from .context import ApplyContext
from .errors import IllegalTransition, Invalid, NotFound
from .model import PickTask, State, Wave, age
from .ops import ReleaseWave
from .orders import set_status
from .reads import Reads
from .registry import STAFF, registers


def _reads_release_wave(op: ReleaseWave, reads: Reads) -> None:
    reads.order_ids.update(op.order_ids)
    reads.usernames.add(op.picker)


@registers(ReleaseWave, reads=_reads_release_wave, roles=STAFF, device=False)
def apply_release_wave(state: State, op: ReleaseWave, ctx: ApplyContext) -> dict[str, Any]:
    picker = state.users_by_name.get(op.picker)
    if picker is None:
        raise NotFound("unknown_user", f"no user {op.picker!r}", field="picker")
    if picker.role != "picker" or not picker.active:
        raise Invalid("not_a_picker", f"{op.picker!r} is not an active picker", field="picker")
    if len(set(op.order_ids)) != len(op.order_ids):
        raise Invalid("duplicate_order", "an order appears twice in order_ids", field="order_ids")
    orders = []
    for i, order_id in enumerate(op.order_ids):
        order = state.orders.get(order_id)
        if order is None:
            raise NotFound("unknown_order", f"no order {order_id}", field=f"order_ids[{i}]")
        if order.status != "allocated":
            raise IllegalTransition(
                "not_allocated",
                f"order {order_id} is {order.status}; only allocated orders can be released",
                field=f"order_ids[{i}]",
            )
        orders.append(order)

    wave = state.add(Wave(state.temp_id(), state.warehouse_id, picker.id, "released", ctx.now))
    # Batch picking: each order gets its own tote slot on the cart (1, 2, …); the picker scans a tote into it.
    picks = []
    for position, order in enumerate(orders, start=1):
        tote = str(position)
        for line in state.lines_of(order.id):
            for reservation in state.reservations_of(line.id):
                stock = state.stock[reservation.stock]
                location = state.locations[stock.location]
                picks.append(
                    (location.path_seq, location.code, age(order.id), line.line_no, order.id, line, stock, reservation.qty, tote)
                )
        set_status(state, order, "released", ctx.now, ctx.ledger_id, note=f"released to {picker.username}")
    picks.sort(key=lambda p: p[:4])
    tasks = []
    for seq, (_, _, _, _, order_id, line, stock, qty, tote) in enumerate(picks, start=1):
        task = state.add(
            PickTask(
                id=state.temp_id(),
                wave=wave.id,
                picker=picker.id,
                sales_order=order_id,
                order_line=line.id,
                location=stock.location,
                product=line.product,
                lot=stock.lot,
                qty=qty,
                qty_picked=0,
                seq=seq,
                tote=tote,
                status="open",
            )
        )
        tasks.append(task.id)
    return {"wave_id": wave.id, "task_ids": tasks}
