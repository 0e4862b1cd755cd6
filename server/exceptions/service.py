"""Reading the exception queue: each item with who, when, the evidence and the actions that close it."""

from __future__ import annotations

import json
from collections import defaultdict

from server.db import Database, in_list, record_to
from server.exceptions.schemas import Evidence, ExceptionOut, FloorTaskOut, OpenPickTask

_EXCEPTIONS = (
    "SELECT e.id, e.kind, e.code, e.message, e.status, e.device_id, e.seq, e.sales_order AS order_id, "
    "e.order_line AS order_line_id, l.code AS location, p.sku, e.qty, e.people, e.created_at, e.ledger_id, "
    "o.external_ref AS order_ref, o.status AS order_status, e.resolution, r.username AS resolved_by, e.resolved_at "
    "FROM sync_exception e LEFT JOIN location l ON l.id = e.location LEFT JOIN product p ON p.id = e.product "
    "LEFT JOIN sales_order o ON o.id = e.sales_order LEFT JOIN app_user r ON r.id = e.resolved_by"
)
FLOOR_TASKS = (
    "SELECT f.id, f.kind, f.status, l.code AS location, p.sku, f.lot, f.qty, f.tote, f.sales_order AS order_id, pk.code AS package, "
    "f.note, f.created_at, u.username AS assignee, f.ledger_id FROM floor_task f LEFT JOIN location l ON l.id = f.location "
    "LEFT JOIN product p ON p.id = f.product LEFT JOIN package pk ON pk.id = f.package LEFT JOIN app_user u ON u.id = f.assignee"
)
_LEDGER = (
    "SELECT g.id, g.op_type, g.args, g.result, g.status, g.device_at, g.committed_at, u.username AS actor "
    "FROM ledger g LEFT JOIN app_user u ON u.id = g.actor"
)
_OPEN_PICKS = (
    "SELECT t.id, t.order_line, u.username AS picker, l.code AS location, t.qty, t.qty_picked FROM pick_task t "
    "JOIN app_user u ON u.id = t.picker JOIN location l ON l.id = t.location WHERE t.status = 'open' AND t.order_line IN "
)
_RE_RELEASABLE = frozenset({"new", "backordered", "partially_allocated", "allocated", "released", "picking"})


async def queue(
    db: Database,
    *,
    status: str = "open",
    kind: str | None = None,
    after_id: int = 0,
    exception_id: int | None = None,
    limit: int = 200,
) -> list[ExceptionOut]:
    """Exceptions newest first, each with its evidence, linked tasks and fitting actions."""
    where: list[str] = []
    args: list[str | int] = []
    if status != "all":
        where.append("e.status = ?")
        args.append(status)
    if kind:
        where.append("e.kind = ?")
        args.append(kind)
    if after_id:
        where.append("e.id > ?")
        args.append(after_id)
    if exception_id is not None:
        where.append("e.id = ?")
        args.append(exception_id)
    sql = _EXCEPTIONS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY e.id DESC LIMIT ?"
    async with db.read() as tx:
        rows = await tx.fetch(sql, *args, limit)
        ledger_ids = sorted({r["ledger_id"] for r in rows if r["ledger_id"] is not None})
        line_ids = sorted({r["order_line_id"] for r in rows if r["order_line_id"] is not None})
        ledger = {}
        tasks: dict[int, list[FloorTaskOut]] = defaultdict(list)
        picks: dict[int, list[OpenPickTask]] = defaultdict(list)
        if ledger_ids:
            marks = in_list(ledger_ids)
            ledger = {g["id"]: g for g in await tx.fetch(_LEDGER + f" WHERE g.id IN {marks}", *ledger_ids)}
            for f in await tx.fetch(FLOOR_TASKS + f" WHERE f.ledger_id IN {marks} ORDER BY f.id", *ledger_ids):
                tasks[f["ledger_id"]].append(record_to(FloorTaskOut, f))
        if line_ids:
            for t in await tx.fetch(_OPEN_PICKS + in_list(line_ids) + " ORDER BY t.id", *line_ids):
                picks[t["order_line"]].append(record_to(OpenPickTask, t))
    out = []
    for r in rows:
        item = ExceptionOut(**{name: r[name] for name in _BASE_FIELDS})
        g = ledger.get(r["ledger_id"])
        if g is not None:
            item.evidence = _evidence(g)
        item.floor_tasks = tasks.get(r["ledger_id"], [])
        item.pick_tasks = picks.get(r["order_line_id"], []) if r["order_line_id"] is not None else []
        item.actions = _actions(item)
        out.append(item)
    return out


_BASE_FIELDS = [
    "id",
    "kind",
    "code",
    "message",
    "status",
    "device_id",
    "seq",
    "order_id",
    "order_line_id",
    "location",
    "sku",
    "qty",
    "people",
    "created_at",
    "order_ref",
    "order_status",
    "resolution",
    "resolved_by",
    "resolved_at",
]


def _evidence(g) -> Evidence:
    args, result = _json(g["args"]), _json(g["result"])
    args.pop("type", None)
    evidence = Evidence(g["op_type"], args, result, g["status"], g["actor"], g["device_at"], g["committed_at"])
    if g["op_type"] == "count" and isinstance(args.get("counted"), int) and isinstance(result.get("on_hand"), int):
        evidence.counted = args["counted"]
        # Waiting for approval the book did not move; booked, it moved by the difference.
        evidence.book = result["on_hand"] if "pending" in result else result["on_hand"] - result.get("difference", 0)
    return evidence


def _json(text: str | None) -> dict:
    """A ledger column as an object; a rejected op's raw bytes (not an object, or not JSON) kept as `raw`."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}


def _actions(item: ExceptionOut) -> list[str]:
    if item.status != "open":
        return []
    actions = []
    if any(t.kind in ("approve_count", "approve_receipt") and t.status == "open" for t in item.floor_tasks):
        actions.append("approve")
    if item.location is not None:
        actions.append("count")
    if item.pick_tasks:
        actions.append("reassign")
    if item.order_status in _RE_RELEASABLE:
        actions.append("re_release")
    actions.append("resolve")
    return actions
