"""Reading waves, pick tasks and the orders that can go into a wave."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from server.db import Database, Tx, in_list, record_to
from server.waves.schemas import Candidate, PickerProgress, TaskOut, WaveOut, WaveSummary

_TASK_SQL = (
    "SELECT t.id, t.wave AS wave_id, t.seq, t.sales_order AS order_id, t.order_line AS order_line_id, "
    "l.code AS location, p.sku, p.name AS product_name, t.lot, t.qty, t.qty_picked, t.tote, t.status, "
    "u.username AS picker, o.external_ref AS order_ref "
    "FROM pick_task t JOIN location l ON l.id = t.location JOIN product p ON p.id = t.product "
    "JOIN app_user u ON u.id = t.picker JOIN sales_order o ON o.id = t.sales_order"
)

# An order's size by its units: small fits in a hand, large needs a cart of its own.
SIZES: dict[str, tuple[int, int | None]] = {"small": (1, 3), "medium": (4, 10), "large": (11, None)}


def size_of(units: int) -> Literal["small", "medium", "large"]:
    if units <= SIZES["small"][1]:  # type: ignore[operator]
        return "small"
    if units <= SIZES["medium"][1]:  # type: ignore[operator]
        return "medium"
    return "large"


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


async def open_task_ids(db: Database, wave_id: int, only_from: str | None) -> list[int] | None:
    """The wave's open tasks (of one picker when `only_from`), or None when there is no such wave."""
    async with db.read() as tx:
        if await tx.fetchval("SELECT COUNT(*) FROM wave WHERE id = ?", wave_id) == 0:
            return None
        sql = "SELECT t.id FROM pick_task t JOIN app_user u ON u.id = t.picker WHERE t.wave = ? AND t.status = 'open'"
        args: list = [wave_id]
        if only_from is not None:
            sql += " AND u.username = ?"
            args.append(only_from)
        return [r["id"] for r in await tx.fetch(sql + " ORDER BY t.seq", *args)]


async def list_waves(db: Database, status: Literal["open", "done", "all"], limit: int) -> list[WaveSummary]:
    """Waves newest first with their progress, overall and per picker (tasks, open tasks, units, picked)."""
    open_wave = "EXISTS (SELECT 1 FROM pick_task x WHERE x.wave = w.id AND x.status = 'open')"
    where = {"open": f" WHERE {open_wave}", "done": f" WHERE NOT {open_wave}", "all": ""}[status]
    async with db.read() as tx:
        waves = await tx.fetch(
            "SELECT w.id, u.username, w.created_at FROM wave w JOIN app_user u ON u.id = w.picker"
            + where
            + " ORDER BY w.id DESC LIMIT ?",
            limit,
        )
        ids = [w["id"] for w in waves]
        tasks = (
            await tx.fetch(
                "SELECT t.wave, u.username, t.status, t.qty, t.qty_picked, t.sales_order FROM pick_task t "
                f"JOIN app_user u ON u.id = t.picker WHERE t.wave IN {in_list(ids)} ORDER BY t.seq",
                *ids,
            )
            if ids
            else []
        )
    by_wave: dict[int, list] = {}
    for t in tasks:
        by_wave.setdefault(t["wave"], []).append(t)
    out = []
    for w in waves:
        rows = [t for t in by_wave.get(w["id"], []) if t["status"] != "cancelled"]
        people: dict[str, PickerProgress] = {}
        for t in rows:
            p = people.setdefault(t["username"], PickerProgress(t["username"], 0, 0, 0, 0))
            p.tasks += 1
            p.open_tasks += t["status"] == "open"
            p.units += t["qty"]
            p.picked += min(t["qty_picked"], t["qty"])
        open_tasks = sum(p.open_tasks for p in people.values())
        out.append(
            WaveSummary(
                id=w["id"],
                picker=w["username"],
                status="open" if open_tasks else "done",
                created_at=w["created_at"],
                orders=len({t["sales_order"] for t in rows}),
                tasks=len(rows),
                open_tasks=open_tasks,
                units=sum(p.units for p in people.values()),
                picked=sum(p.picked for p in people.values()),
                pickers=list(people.values()),
            )
        )
    return out


async def candidates(
    db: Database,
    *,
    channel: str | None,
    promised_before: dt.datetime | None,
    zone: str | None,
    size: str | None,
    limit: int,
) -> list[Candidate]:
    """Allocated orders (released ones and held ones are not), oldest promise first (orders without a
    promise last, oldest first), with their channel, size and the zones their reserved stock is in."""
    where = ["o.status = 'allocated'"]
    args: list = []
    if channel is not None:
        where.append("c.code = ?")
        args.append(channel)
    if promised_before is not None:
        where.append("o.promised_at IS NOT NULL AND o.promised_at < ?")
        args.append(promised_before)
    if zone is not None:
        where.append(
            "EXISTS (SELECT 1 FROM order_line zl JOIN reservation r ON r.order_line = zl.id JOIN stock s ON s.id = r.stock "
            "JOIN location loc ON loc.id = s.location WHERE zl.sales_order = o.id AND loc.zone = ?)"
        )
        args.append(zone)
    having = ""
    if size is not None:
        low, high = SIZES[size]
        having = " HAVING SUM(l.qty) >= ?" + (" AND SUM(l.qty) <= ?" if high is not None else "")
        args += [low] + ([high] if high is not None else [])
    sql = (
        "SELECT o.id, o.external_ref, c.code AS channel, cu.name AS customer, o.promised_at, o.created_at, "
        "COUNT(l.id) AS lines, COALESCE(SUM(l.qty), 0) AS units FROM sales_order o "
        "JOIN channel c ON c.id = o.channel JOIN customer cu ON cu.id = o.customer "
        "JOIN order_line l ON l.sales_order = o.id AND l.status <> 'cancelled' "
        f"WHERE {' AND '.join(where)} "
        "GROUP BY o.id, o.external_ref, c.code, cu.name, o.promised_at, o.created_at"
        f"{having} ORDER BY CASE WHEN o.promised_at IS NULL THEN 1 ELSE 0 END, o.promised_at, o.id LIMIT ?"
    )
    async with db.read() as tx:
        rows = await tx.fetch(sql, *args, limit)
        zones = await _zones(tx, [r["id"] for r in rows])
    return [
        Candidate(
            id=r["id"],
            external_ref=r["external_ref"],
            channel=r["channel"],
            customer=r["customer"],
            promised_at=r["promised_at"],
            created_at=r["created_at"],
            lines=r["lines"],
            units=r["units"],
            size=size_of(r["units"]),
            zones=zones.get(r["id"], []),
        )
        for r in rows
    ]


async def _zones(tx: Tx, order_ids: Sequence[int]) -> dict[int, list[str]]:
    """The zones of the bins holding each order's reservations, in walking order."""
    if not order_ids:
        return {}
    rows = await tx.fetch(
        "SELECT l.sales_order, loc.zone, MIN(loc.path_seq) AS first_seq FROM order_line l JOIN reservation r ON r.order_line = l.id "
        "JOIN stock s ON s.id = r.stock JOIN location loc ON loc.id = s.location "
        f"WHERE l.sales_order IN {in_list(order_ids)} GROUP BY l.sales_order, loc.zone ORDER BY first_seq, loc.zone",
        *order_ids,
    )
    out: dict[int, list[str]] = {}
    for r in rows:
        if r["zone"]:
            out.setdefault(r["sales_order"], []).append(r["zone"])
    return out


async def known(tx: Tx, table: str, column: str, value: str) -> bool:
    """Whether some row of `table` has `value` in `column` (names from our own code, never from a request)."""
    return await tx.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", value) > 0


async def units_of(tx: Tx, order_ids: Sequence[int]) -> dict[int, int]:
    """Units on each order's live lines (0 for an order that does not exist)."""
    rows = await tx.fetch(
        f"SELECT sales_order, SUM(qty) AS units FROM order_line WHERE status <> 'cancelled' AND sales_order IN {in_list(order_ids)} "
        "GROUP BY sales_order",
        *order_ids,
    )
    found = {r["sales_order"]: r["units"] for r in rows}
    return {order_id: found.get(order_id, 0) for order_id in order_ids}
