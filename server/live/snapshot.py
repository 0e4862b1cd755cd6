"""The floor at one moment, read in one database snapshot: what a supervisor's home screen shows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from msgspec import Meta, Struct

from server.db import Database, Tx, record_to, stored_time
from sync.orders import AWAITING_STOCK, ORDER_STATUSES

# An order is "at risk" when its promise falls within this many hours and it is not packed yet.
AT_RISK_HOURS = 4
# Lists on a phone stay short; their counts say how many there are in all.
LIST_LIMIT = 20
# Statuses an order can still be in when its promise passes without it being late for good reason.
_DONE = ("shipped", "delivered", "cancelled")
_NOT_PACKED = tuple(s for s in ORDER_STATUSES if s not in ("packed", *_DONE))
_BACKORDERED = tuple(sorted(AWAITING_STOCK))


class WaveProgress(Struct):
    id: int
    picker: str
    created_at: dt.datetime
    tasks_total: int
    tasks_done: Annotated[int, Meta(description="tasks picked in full or closed short")]
    units_total: int
    units_picked: int


class PickerProgress(Struct):
    username: str
    display_name: str
    tasks_open: int
    lines_today: Annotated[int, Meta(description="pick ops applied or adjusted today (UTC)")]
    units_today: int
    last_activity: Annotated[dt.datetime | None, Meta(description="their last op committed today; null: none today")]


class PickRate(Struct):
    last_hour: Annotated[int, Meta(description="lines picked in the last 60 minutes")]
    today: Annotated[int, Meta(description="lines picked since midnight UTC")]
    per_hour_today: Annotated[float, Meta(description="today's lines per hour since the first pick (over at least one hour)")]


class OrderAtRisk(Struct):
    id: int
    external_ref: str
    status: str
    customer: str
    promised_at: dt.datetime


class Backorders(Struct):
    orders: int
    lines: int
    units: Annotated[int, Meta(description="units ordered and not yet allocated")]


class LowStock(Struct):
    sku: str
    name: str
    on_hand: int
    reorder_point: int


class DeviceBacklog(Struct):
    device_id: str
    name: str
    owner: str
    pending: Annotated[int, Meta(description="unsent ops as the device last reported")]
    pending_at: dt.datetime | None
    last_seen_at: dt.datetime | None


class FloorSnapshot(Struct):
    ledger_id: Annotated[int, Meta(description="the last ledger row this snapshot reflects (the stream's event id)")]
    generated_at: dt.datetime
    orders_by_status: Annotated[dict[str, int], Meta(description="every order status, with 0 where none")]
    waves: Annotated[list[WaveProgress], Meta(description="waves with tasks still open, oldest first")]
    pickers: list[PickerProgress]
    picks: PickRate
    late_count: int
    late: Annotated[list[OrderAtRisk], Meta(description="promise passed, not shipped: most overdue first")]
    at_risk_hours: int
    at_risk_count: int
    at_risk: Annotated[list[OrderAtRisk], Meta(description="promise within `at_risk_hours`, not packed yet")]
    backorders: Backorders
    low_stock_count: int
    low_stock: Annotated[list[LowStock], Meta(description="on hand at or below the reorder point, emptiest first")]
    devices: Annotated[list[DeviceBacklog], Meta(description="phones holding unsent ops, largest backlog first")]
    open_exceptions: int
    open_floor_tasks: int


_aware = stored_time  # one conversion for every stored timestamp (server/db.py)


_utc = stored_time  # one conversion for every stored timestamp (server/db.py)


async def _first_id_since(tx: Tx, since: dt.datetime, top: int) -> int:
    """The first ledger id committed at or after `since` (top + 1 when none), by bisecting the primary
    key: the ledger has no index on its time, and ids follow the batches' times closely (a batch still
    committing across `since` on PostgreSQL may count on either side of it)."""
    lo, hi = 1, top + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = await tx.fetchrow("SELECT id, committed_at FROM ledger WHERE id >= ? ORDER BY id LIMIT 1", mid)
        if row is None or row["id"] >= hi or _aware(row["committed_at"]) >= since:
            hi = mid
        else:
            lo = row["id"] + 1
    return lo


_WAVES = (
    "SELECT w.id, u.username AS picker, w.created_at, COUNT(t.id) AS tasks_total, "
    "SUM(CASE WHEN t.status <> 'open' THEN 1 ELSE 0 END) AS tasks_done, "
    "SUM(t.qty) AS units_total, SUM(t.qty_picked) AS units_picked "
    "FROM wave w JOIN app_user u ON u.id = w.picker JOIN pick_task t ON t.wave = w.id "
    "WHERE w.id IN (SELECT wave FROM pick_task WHERE status = 'open') "
    "GROUP BY w.id, u.username, w.created_at ORDER BY w.id"
)
_ORDERS_PROMISED = (
    "SELECT o.id, o.external_ref, o.status, c.name AS customer, o.promised_at "
    "FROM sales_order o JOIN customer c ON c.id = o.customer WHERE {where} ORDER BY o.promised_at, o.id LIMIT ?"
)
_LOW_STOCK = (
    "SELECT p.sku, p.name, p.reorder_point, COALESCE(SUM(s.on_hand), 0) AS on_hand "
    "FROM product p LEFT JOIN stock s ON s.product = p.id WHERE p.reorder_point > 0 AND p.active = ? "
    "GROUP BY p.id, p.sku, p.name, p.reorder_point HAVING COALESCE(SUM(s.on_hand), 0) <= p.reorder_point "
    "ORDER BY COALESCE(SUM(s.on_hand), 0) - p.reorder_point, p.sku"
)
_DEVICES = (
    "SELECT d.device_id, d.name, u.username AS owner, d.pending_reported AS pending, d.pending_at, d.last_seen_at "
    "FROM device d JOIN app_user u ON u.id = d.owner WHERE d.revoked_at IS NULL AND d.pending_reported > 0 "
    "ORDER BY d.pending_reported DESC, d.device_id LIMIT ?"
)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # fixed status names, never user input


async def read_floor(db: Database, now: dt.datetime | None = None) -> FloorSnapshot:
    """Everything on the floor screen, from one consistent read."""
    now = now or dt.datetime.now(dt.UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hour_ago = now - dt.timedelta(hours=1)
    risk_until = now + dt.timedelta(hours=AT_RISK_HOURS)
    async with db.read() as tx:
        top = await tx.fetchval("SELECT COALESCE(MAX(id), 0) FROM ledger")
        by_status = dict.fromkeys(ORDER_STATUSES, 0)
        for status, count in await tx.fetch("SELECT status, COUNT(*) FROM sales_order GROUP BY status"):
            by_status[status] = count
        waves = [record_to(WaveProgress, r) for r in await tx.fetch(_WAVES)]

        # Today's ledger, found without scanning the days before it.
        first_today = await _first_id_since(tx, midnight, top)
        picks_today = await tx.fetch(
            "SELECT actor, args, committed_at FROM ledger WHERE id >= ? AND op_type = 'pick' AND status <> 'rejected' ORDER BY id",
            first_today,
        )
        last_op = {
            r[0]: _utc(r[1])
            for r in await tx.fetch(
                "SELECT actor, MAX(committed_at) FROM ledger WHERE id >= ? AND actor IS NOT NULL GROUP BY actor", first_today
            )
        }
        lines_today = len(picks_today)
        first_pick = _aware(picks_today[0]["committed_at"]) if picks_today else None
        last_hour = 0
        per_actor: dict[int, list[int]] = {}  # actor → [lines, units] today
        for r in picks_today:
            at = _aware(r["committed_at"])
            if at >= hour_ago:
                last_hour += 1
            if r["actor"] is not None:
                mine = per_actor.setdefault(r["actor"], [0, 0])
                mine[0] += 1
                mine[1] += _qty(r["args"])
        hours = max(1.0, (now - first_pick).total_seconds() / 3600) if first_pick else 1.0
        picks = PickRate(last_hour, lines_today, round(lines_today / hours, 1))

        open_tasks = {
            r[0]: r[1] for r in await tx.fetch("SELECT picker, COUNT(*) FROM pick_task WHERE status = 'open' GROUP BY picker")
        }
        picking = sorted(set(open_tasks) | set(per_actor))
        pickers = []
        if picking:
            marks = ", ".join("?" * len(picking))
            people = {
                r["id"]: r
                for r in await tx.fetch(f"SELECT id, username, display_name FROM app_user WHERE id IN ({marks})", *picking)
            }
            for user_id in picking:
                lines, units = per_actor.get(user_id, [0, 0])
                person = people[user_id]
                pickers.append(
                    PickerProgress(
                        person["username"], person["display_name"], open_tasks.get(user_id, 0), lines, units, last_op.get(user_id)
                    )
                )
            pickers.sort(key=lambda p: (-p.tasks_open, p.username))

        late_where = f"o.promised_at < ? AND o.status NOT IN {_in(_DONE)}"
        late_count = await tx.fetchval(f"SELECT COUNT(*) FROM sales_order o WHERE {late_where}", now)
        late = await tx.fetch(_ORDERS_PROMISED.format(where=late_where), now, LIST_LIMIT)
        risk_where = f"o.promised_at >= ? AND o.promised_at < ? AND o.status IN {_in(_NOT_PACKED)}"
        risk_count = await tx.fetchval(f"SELECT COUNT(*) FROM sales_order o WHERE {risk_where}", now, risk_until)
        risk = await tx.fetch(_ORDERS_PROMISED.format(where=risk_where), now, risk_until, LIST_LIMIT)

        back = await tx.fetchrow(
            "SELECT COUNT(DISTINCT l.sales_order) AS orders, COUNT(*) AS lines, COALESCE(SUM(l.qty - l.qty_allocated), 0) AS units "
            f"FROM order_line l JOIN sales_order o ON o.id = l.sales_order "
            f"WHERE o.status IN {_in(_BACKORDERED)} AND l.status IN {_in(_BACKORDERED)}"
        )
        low = await tx.fetch(_LOW_STOCK, True)
        devices = await tx.fetch(_DEVICES, LIST_LIMIT)
        open_exceptions = await tx.fetchval("SELECT COUNT(*) FROM sync_exception WHERE status = 'open'")
        open_floor_tasks = await tx.fetchval("SELECT COUNT(*) FROM floor_task WHERE status = 'open'")

    return FloorSnapshot(
        ledger_id=top,
        generated_at=now,
        orders_by_status=by_status,
        waves=waves,
        pickers=pickers,
        picks=picks,
        late_count=late_count,
        late=[_promised(r) for r in late],
        at_risk_hours=AT_RISK_HOURS,
        at_risk_count=risk_count,
        at_risk=[_promised(r) for r in risk],
        backorders=Backorders(back["orders"], back["lines"], back["units"]),
        low_stock_count=len(low),
        low_stock=[record_to(LowStock, r) for r in low[:LIST_LIMIT]],
        devices=[
            DeviceBacklog(r["device_id"], r["name"], r["owner"], r["pending"], _utc(r["pending_at"]), _utc(r["last_seen_at"]))
            for r in devices
        ],
        open_exceptions=open_exceptions,
        open_floor_tasks=open_floor_tasks,
    )


def _promised(row) -> OrderAtRisk:
    return OrderAtRisk(row["id"], row["external_ref"], row["status"], row["customer"], _aware(row["promised_at"]))


def _qty(args: str) -> int:
    """The units a pick op says were picked (0 when its args are not what a pick carries)."""
    try:
        qty = json.loads(args).get("qty", 0)
    except (ValueError, AttributeError):
        return 0
    return qty if isinstance(qty, int) else 0
