"""Reading waves and pick tasks."""

from __future__ import annotations

from server.db import Database, record_to
from server.waves.schemas import TaskOut, WaveOut

_TASK_SQL = (
    "SELECT t.id, t.wave AS wave_id, t.seq, t.sales_order AS order_id, t.order_line AS order_line_id, "
    "l.code AS location, p.sku, p.name AS product_name, t.lot, t.qty, t.qty_picked, t.tote, t.status FROM pick_task t JOIN location l ON l.id = t.location JOIN product p ON p.id = t.product"
)


def _task(r) -> TaskOut:
    return record_to(TaskOut, r)


async def get_wave(db: Database, wave_id: int) -> WaveOut | None:
    async with db.read() as tx:
        w = await tx.fetchrow(
            "SELECT w.id, u.username, w.status, w.created_at FROM wave w JOIN app_user u ON u.id = w.picker WHERE w.id = ?",
            wave_id,
        )
        if w is None:
            return None
        tasks = await tx.fetch(_TASK_SQL + " WHERE t.wave = ? ORDER BY t.seq", wave_id)
    return WaveOut(w["id"], w["username"], w["status"], w["created_at"], [_task(r) for r in tasks])


async def tasks_for(db: Database, picker_id: int) -> list[TaskOut]:
    """A picker's open work, wave by wave, in walking order."""
    async with db.read() as tx:
        rows = await tx.fetch(_TASK_SQL + " WHERE t.picker = ? AND t.status = 'open' ORDER BY t.wave, t.seq", picker_id)
    return [_task(r) for r in rows]
