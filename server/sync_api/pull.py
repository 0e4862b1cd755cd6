"""Pull: the device's work in scope, as a delta since its cursor (or a full snapshot), read in one snapshot."""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict

from server.db import Database, in_list, record_to
from server.sync_api.refusal import SyncRefused
from server.sync_api.schemas import PullException, PullOut, PullPackage, PullTask, Removed

_TASK_SQL = (
    "SELECT t.id, t.wave, t.seq, t.status, l.code, l.path_seq, p.sku, p.name, t.product, t.lot, t.qty, t.qty_picked, t.tote, "
    "o.id AS order_id, o.external_ref, o.status AS order_status, ol.id AS line_id, ol.qty AS line_qty, "
    "ol.qty_picked AS line_picked, ol.status AS line_status, t.picker, t.version "
    "FROM pick_task t JOIN location l ON l.id = t.location JOIN product p ON p.id = t.product "
    "JOIN order_line ol ON ol.id = t.order_line JOIN sales_order o ON o.id = t.sales_order"
)
_EXCEPTION_SQL = (
    "SELECT id, kind, code, message, status, device_id, seq, sales_order AS order_id, people, created_at FROM sync_exception"
)


async def pull(db: Database, user_id: int, role: str, device_id: str, cursor: str | None) -> PullOut:
    since = decode_cursor(cursor) if cursor else 0
    async with db.read() as tx:
        device = await tx.fetchrow("SELECT owner, revoked_at FROM device WHERE device_id = ?", device_id)
        if device is None or device["owner"] != user_id:
            raise SyncRefused(403, "not_your_device", "pull with a device registered to you")
        if device["revoked_at"] is not None:
            raise SyncRefused(403, "device_revoked", "this device was revoked")
        # Everything committed up to here is in this snapshot; ledger ids are assigned in commit order.
        watermark = await tx.fetchval("SELECT COALESCE(MAX(id), 0) FROM ledger")
        reset = since == 0 or since > watermark
        out = PullOut(cursor=encode_cursor(max(watermark, since)), reset=reset, scope=role, server_time=dt.datetime.now(dt.UTC))
        if reset:
            since = 0
        if role == "picker":
            await _picker(tx, out, user_id, since, reset)
        elif role == "driver":
            await _driver(tx, out, since, reset)
        elif role in ("supervisor", "admin"):
            await _supervisor(tx, out, since, reset)
        elif role == "packer":
            out.summary = {"picked_orders": await tx.fetchval("SELECT COUNT(*) FROM sales_order WHERE status = 'picked'")}
    _drop_contradictions(out)
    return out


async def _picker(tx, out: PullOut, user_id: int, since: int, reset: bool) -> None:
    if reset:
        rows = await tx.fetch(_TASK_SQL + " WHERE t.picker = ? AND t.status = 'open' ORDER BY t.wave, t.seq", user_id)
    else:
        # A task shows its order's status and its line's progress too: when those change, every open
        # task of that order is sent again, not only the task whose own row changed.
        rows = await tx.fetch(
            _TASK_SQL + " WHERE t.picker = ? AND (t.version > ? OR (t.status = 'open' AND t.sales_order IN ("
            "SELECT sales_order FROM pick_task WHERE version > ? UNION SELECT sales_order FROM order_event WHERE ledger_id > ?)))"
            " ORDER BY t.wave, t.seq",
            user_id,
            since,
            since,
            since,
        )
        exits = await tx.fetch(
            "SELECT entity, entity_id FROM scope_exit WHERE scope = ? AND version > ?", f"picker:{user_id}", since
        )
        out.removed += [Removed(r["entity"], r["entity_id"]) for r in exits]
    products = sorted({r["product"] for r in rows})
    barcodes = defaultdict(list)
    if products:
        for b in await tx.fetch(f"SELECT product, code FROM barcode WHERE product IN {in_list(products)} ORDER BY id", *products):
            barcodes[b["product"]].append(b["code"])
    for r in rows:
        if r["status"] != "open" or r["picker"] != user_id:
            out.removed.append(Removed("pick_task", r["id"]))
            continue
        out.tasks.append(
            PullTask(
                r["id"],
                r["wave"],
                r["seq"],
                r["status"],
                r["code"],
                r["path_seq"],
                r["sku"],
                r["name"],
                barcodes[r["product"]],
                r["lot"],
                r["qty"],
                r["qty_picked"],
                r["tote"],
                r["order_id"],
                r["external_ref"],
                r["order_status"],
                r["line_id"],
                r["line_qty"],
                r["line_picked"],
                r["line_status"],
            )
        )


def _drop_contradictions(out: PullOut) -> None:
    """A row sent in this delta is in scope now, whatever tombstones older changes left for it."""
    sent = (
        {("pick_task", t.id) for t in out.tasks}
        | {("package", p.id) for p in out.packages}
        | {("exception", e.id) for e in out.exceptions}
    )
    out.removed = [r for r in dict.fromkeys(out.removed) if (r.entity, r.id) not in sent]


async def _driver(tx, out: PullOut, since: int, reset: bool) -> None:
    sql = (
        "SELECT pk.id, pk.code, pk.status, o.id AS order_id, o.external_ref, c.name, a.line1, a.city, a.postcode "
        "FROM package pk JOIN sales_order o ON o.id = pk.sales_order JOIN customer c ON c.id = o.customer "
        "JOIN address a ON a.id = o.ship_to"
    )
    if reset:
        rows = await tx.fetch(sql + " WHERE pk.status IN ('shipped', 'failed') ORDER BY pk.id")
    else:
        rows = await tx.fetch(sql + " WHERE pk.version > ? ORDER BY pk.id", since)
    for r in rows:
        if r["status"] in ("shipped", "failed"):
            out.packages.append(
                PullPackage(
                    r["id"],
                    r["code"],
                    r["status"],
                    r["order_id"],
                    r["external_ref"],
                    r["name"],
                    f"{r['line1']}, {r['postcode']} {r['city']}",
                )
            )
        else:
            out.removed.append(Removed("package", r["id"]))


async def _supervisor(tx, out: PullOut, since: int, reset: bool) -> None:
    if reset:
        rows = await tx.fetch(_EXCEPTION_SQL + " WHERE status = 'open' ORDER BY id")
    else:
        rows = await tx.fetch(_EXCEPTION_SQL + " WHERE version > ? ORDER BY id", since)
    for r in rows:
        if r["status"] == "open":
            out.exceptions.append(record_to(PullException, r))
        else:
            out.removed.append(Removed("exception", r["id"]))
    by_status = {r[0]: r[1] for r in await tx.fetch("SELECT status, COUNT(*) FROM sales_order GROUP BY status")}
    out.summary = {
        "orders_by_status": by_status,
        "open_exceptions": await tx.fetchval("SELECT COUNT(*) FROM sync_exception WHERE status = 'open'"),
        "open_floor_tasks": await tx.fetchval("SELECT COUNT(*) FROM floor_task WHERE status = 'open'"),
    }


def encode_cursor(version: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{version}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "v1":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise SyncRefused(
            400, "bad_cursor", "cursor is not one this server gave out; pull without a cursor for a full snapshot", field="cursor"
        ) from None
