"""An order's journey, recomputed from what was recorded: its status events, the ledger's ops about
its packages, and the drivers' delivery reports — never from a second copy kept for the purpose.

The ledger has no order column. Status changes reach an order through `order_event` (with their
ledger id); the package ops (seal, ship, record_shipment, create_route, return_to_depot) name their
package by code in their args, so they are found by the codes of the order's packages; delivery
reports are `delivery` rows of those packages. Each step is placed at its commit time (the order in
which the warehouse learned it); `device_at` says when the phone says it happened, when one did.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from server.db import Tx, in_list, stored_time
from server.orders.schemas import TimelineStep
from server.purchasing.service import day, incoming_for_order
from sync.model import po_code

# Order statuses in plain words: the kind of the step, and what a person reads.
_STATUS_STEPS = {
    "new": ("received", "Order received"),
    "on_hold": ("on_hold", "On hold"),
    "backordered": ("backordered", "Waiting for stock"),
    "partially_allocated": ("partially_allocated", "Partly reserved, waiting for more stock"),
    "allocated": ("allocated", "Stock reserved"),
    "awaiting_supplier": ("awaiting_supplier", "Waiting for the supplier to ship it"),
    "released": ("released", "Released to the pickers"),
    "picking": ("picking", "Picking started"),
    "picked": ("picked", "Picked"),
    "packed": ("packed", "Packed"),
    "shipped": ("shipped", "Shipped"),
    "delivered": ("delivered", "Delivered"),
    "cancelled": ("cancelled", "Cancelled"),
}
FAILURE_WORDS = {
    "not_home": "nobody was home",
    "refused": "the parcel was refused",
    "address_not_found": "the address could not be found",
    "access": "the driver could not get in",
    "damaged": "the parcel was damaged",
    "other": "something stopped the delivery",
}
_PACKAGE_OPS = ("seal", "ship", "record_shipment", "create_route", "return_to_depot")


_utc = stored_time  # one conversion for every stored timestamp (server/db.py)


_when = stored_time  # one conversion for every stored timestamp (server/db.py)


def _names(args: dict[str, Any]) -> set[str]:
    """The package codes an op's args name (create_route names many, in its stops)."""
    if "package" in args:
        return {args["package"]}
    return {code for stop in args.get("stops", []) for code in stop}


async def _table_exists(tx: Tx, name: str) -> bool:
    if tx.dialect == "postgres":
        return await tx.fetchval("SELECT to_regclass(?) IS NOT NULL", name)
    return await tx.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name) > 0


async def _arrived(tx: Tx, ids: set[str]) -> set[str]:
    """Which proof-of-delivery files the server holds whole (an `attachment` row is written only then).
    Before attachments are stored on this server at all, none has arrived."""
    ids.discard("")
    if not ids or not await _table_exists(tx, "attachment"):
        return set()
    listed = sorted(ids)
    return {r["id"] for r in await tx.fetch(f"SELECT id FROM attachment WHERE id IN {in_list(listed)}", *listed)}


async def order_timeline(tx: Tx, order_id: int) -> list[TimelineStep] | None:
    """The order's steps in the order they were recorded, or None for an unknown order."""
    order = await tx.fetchrow("SELECT id, created_at FROM sales_order WHERE id = ?", order_id)
    if order is None:
        return None
    steps: list[tuple[tuple, TimelineStep]] = []

    def add(ledger_id: int | None, step: TimelineStep) -> None:
        # Commit time first, then the ledger's order; within one op the package's step (the cause)
        # before the order's status change it brought about.
        effect = step.package is None
        steps.append(((step.at, ledger_id or 0, effect, len(steps)), step))

    for e in await tx.fetch("SELECT status, at, note, ledger_id FROM order_event WHERE sales_order = ? ORDER BY id", order_id):
        kind, label = _STATUS_STEPS.get(e["status"], (e["status"], e["status"].replace("_", " ").capitalize()))
        detail = {"note": e["note"]} if e["note"] else {}
        if e["note"] and e["status"] in ("cancelled", "on_hold"):
            label = f"{label}: {e['note']}"
        add(e["ledger_id"], TimelineStep(_utc(e["at"]), kind, label, None, None, detail))

    packages = await tx.fetch(
        "SELECT id, code, carrier, tracking_number FROM package WHERE sales_order = ? ORDER BY id", order_id
    )
    by_code = {p["code"]: p for p in packages}
    if packages:
        codes = list(by_code)
        like = " OR ".join("args LIKE ?" for _ in codes)
        rows = await tx.fetch(
            "SELECT id, op_type, args, result, device_at, committed_at FROM ledger "
            f"WHERE status != 'rejected' AND op_type IN {in_list(_PACKAGE_OPS)} AND ({like}) ORDER BY id",
            *_PACKAGE_OPS,
            *(f'%"{code}"%' for code in codes),
        )
        for r in rows:
            args, result = json.loads(r["args"]), json.loads(r["result"] or "{}")
            for code in sorted(_names(args) & by_code.keys()):
                step = _package_step(r["op_type"], args, result, by_code[code])
                if step is not None:
                    kind, label, detail = step
                    at = _utc(r["committed_at"])
                    add(r["id"], TimelineStep(at, kind, label, code, _when(r["device_at"]), detail))
        ids = [p["id"] for p in packages]
        deliveries = await tx.fetch(
            "SELECT d.package, d.outcome, d.recipient, d.reason, d.signature, d.photo, d.lat, d.lon, d.device_at, "
            "d.evidence, d.ledger_id, l.committed_at, l.args FROM delivery d LEFT JOIN ledger l ON l.id = d.ledger_id "
            f"WHERE d.package IN {in_list(ids)} ORDER BY d.id",
            *ids,
        )
        arrived = await _arrived(tx, {d[f] for d in deliveries for f in ("signature", "photo")})
        code_of = {p["id"]: p["code"] for p in packages}
        for d in deliveries:
            at = _utc(d["committed_at"] or d["device_at"])
            kind, label = _delivery_step(d)
            detail = _delivery_detail(d, arrived)
            add(d["ledger_id"], TimelineStep(at, kind, label, code_of[d["package"]], _when(d["device_at"]), detail))
    for ledger_id, returned in await rma_steps(tx, order_id):
        add(ledger_id, returned)
    for ledger_id, supplier_step in await purchasing_steps(tx, order_id, stored_time(order["created_at"])):
        add(ledger_id, supplier_step)
    return [step for _, step in sorted(steps, key=lambda s: s[0])]


async def purchasing_steps(tx: Tx, order_id: int, received_at: dt.datetime) -> list[tuple[int | None, TimelineStep]]:
    """What suppliers do for the order: its drop-ship purchase orders (made, sent, shipped with the
    supplier's tracking number, or cancelled), and for units it waits for, the open purchase order
    that brings them and when ("Waiting for 3 × SKU-A — expected 2026-12-08 (PO-00042)")."""
    out: list[tuple[int | None, TimelineStep]] = []
    pos = await tx.fetch(
        "SELECT po.id, po.status, po.created_at, po.sent_at, po.closed_at, po.expected_at, po.tracking_number, s.name "
        "FROM purchase_order po JOIN supplier s ON s.id = po.supplier WHERE po.sales_order = ? ORDER BY po.id",
        order_id,
    )
    for po in pos:
        code, supplier = po_code(po["id"]), po["name"]
        units = await tx.fetch(
            "SELECT p.sku, pl.qty_ordered FROM po_line pl JOIN product p ON p.id = pl.product WHERE pl.purchase_order = ? "
            "ORDER BY pl.line_no",
            po["id"],
        )
        what = ", ".join(f"{u['qty_ordered']} × {u['sku']}" for u in units)
        detail: dict[str, Any] = {"purchase_order": code, "supplier": supplier}
        made = _utc(po["created_at"])
        step = TimelineStep(made, "drop_ship", f"Drop-ship {code} to {supplier}: {what}", None, None, detail)
        out.append((await _ledger_by(tx, order_id, made), step))
        if po["sent_at"] is not None:
            expected = day(po["expected_at"])
            label = f"{code} sent to {supplier}" + (f", expected to ship {expected.isoformat()}" if expected else "")
            out.append(
                (None, TimelineStep(_utc(po["sent_at"]), "drop_ship_sent", label, None, None, detail | {"expected_at": expected}))
            )
        if po["status"] == "closed" and po["closed_at"] is not None:
            carrier, ledger_id = await _drop_ship_carrier(tx, po["id"])
            label = (
                f"Shipped by {supplier}"
                + (f" with {carrier}" if carrier else "")
                + f", tracking {po['tracking_number']} ({code})"
            )
            step = TimelineStep(
                _utc(po["closed_at"]),
                "drop_ship_shipped",
                label,
                None,
                None,
                detail | {"carrier": carrier, "tracking_number": po["tracking_number"]},
            )
            out.append((ledger_id, step))
        elif po["status"] == "cancelled" and po["closed_at"] is not None:
            out.append(
                (
                    None,
                    TimelineStep(
                        _utc(po["closed_at"]), "drop_ship_cancelled", f"{code} to {supplier} cancelled", None, None, detail
                    ),
                )
            )
    for incoming in await incoming_for_order(tx, order_id):
        if incoming.drop_ship or incoming.po_id is None or incoming.since is None:
            continue
        code = po_code(incoming.po_id)
        when = f"expected {incoming.expected_at.isoformat()}" if incoming.expected_at else "no date from the supplier yet"
        label = f"Waiting for {incoming.qty} × {incoming.sku} — {when} ({code})"
        detail = {"purchase_order": code, "sku": incoming.sku, "qty": incoming.qty, "expected_at": incoming.expected_at}
        at = max(incoming.since, received_at)
        out.append((await _ledger_by(tx, order_id, at), TimelineStep(at, "expected", label, None, None, detail)))
    return out


async def _ledger_by(tx: Tx, order_id: int, at: dt.datetime) -> int | None:
    """The last op that changed the order's status by `at`: a step of the same moment sorts after it."""
    rows = await tx.fetch("SELECT at, ledger_id FROM order_event WHERE sales_order = ? ORDER BY id", order_id)
    return max((r["ledger_id"] or 0 for r in rows if stored_time(r["at"]) <= at), default=None)


async def _drop_ship_carrier(tx: Tx, po_id: int) -> tuple[str, int | None]:
    """The carrier the supplier named when the drop-ship was closed, and that op's ledger row."""
    for r in await tx.fetch(
        "SELECT id, args FROM ledger WHERE op_type = 'close_drop_ship' AND status != 'rejected' AND args LIKE ? ORDER BY id",
        f'%"po_id":{po_id}%',
    ):
        args = json.loads(r["args"])
        if args.get("po_id") == po_id:
            return args.get("carrier", ""), r["id"]
    return "", None


def _package_step(op: str, args: dict, result: dict, package) -> tuple[str, str, dict[str, Any]] | None:
    code = package["code"]
    if op == "seal":
        return (
            "sealed",
            f"{code} sealed ({args['package_type']}, {args['weight_g']} g)",
            {
                "package_type": args["package_type"],
                "weight_g": args["weight_g"],
            },
        )
    if op == "record_shipment":
        return (
            "booked",
            f"{code} booked with {args['carrier']}, tracking number {args['tracking_number']}",
            {
                "carrier": args["carrier"],
                "tracking_number": args["tracking_number"],
            },
        )
    if op == "create_route":
        route = result.get("route_id")
        return "planned", f"{code} planned on route {route}", {"route": route}
    if op == "ship":
        if result.get("duplicate"):
            return None  # a second scan of a package already out changes nothing
        if args.get("route") is not None:
            return "out_for_delivery", f"{code} loaded onto route {args['route']}: out for delivery", {"route": args["route"]}
        carrier = args.get("carrier", "own_fleet")
        tracking = package["tracking_number"] if package["carrier"] == carrier else ""
        label = f"{code} handed to {carrier}" + (f", tracking number {tracking}" if tracking else "")
        return "handed_over", label, {"carrier": carrier, "tracking_number": tracking}
    if op == "return_to_depot":
        if result.get("duplicate"):
            return None
        return "returned_to_depot", f"{code} back at the depot", {}
    return None


def _delivery_step(d) -> tuple[str, str]:
    if d["evidence"]:
        what = f"delivered to {d['recipient']}" if d["outcome"] == "delivered" else f"failed ({d['reason']})"
        return "contradicting_report", f"A later report said {what}; kept as evidence, not applied"
    if d["outcome"] == "delivered":
        return "delivered", f"Delivered to {d['recipient']}"
    return "failed", f"Delivery failed: {FAILURE_WORDS.get(d['reason'], d['reason'])}"


def _delivery_detail(d, arrived: set[str]) -> dict[str, Any]:
    if d["outcome"] == "failed":
        note = json.loads(d["args"]).get("note", "") if d["args"] else ""
        return {"reason": d["reason"], "note": note}
    proof = {kind: {"id": d[kind], "arrived": d[kind] in arrived} for kind in ("signature", "photo") if d[kind]}
    return {"recipient": d["recipient"], **proof, "lat": d["lat"], "lon": d["lon"]}


# -- returns ------------------------------------------------------------------------------------

_REFUND_WORDS = {
    "original_payment": "to the original payment",
    "store_credit": "as store credit",
    "bank_transfer": "by bank transfer",
    "cash": "in cash",
}


async def rma_steps(tx: Tx, order_id: int) -> list[tuple[int | None, TimelineStep]]:
    """The order's returns: each RMA authorised, every scan of units coming back on it (from the
    ledger, by the RMA's code in the op's args), each refund, and the RMA closed."""
    rmas = await tx.fetch(
        "SELECT id, code, reason, note, created_at, closed_at FROM rma WHERE sales_order = ? ORDER BY id", order_id
    )
    if not rmas:
        return []
    found: list[tuple[int | None, TimelineStep]] = []
    for r in rmas:
        detail = {"rma": r["code"], "reason": r["reason"], "note": r["note"]}
        label = f"Return {r['code']} authorised: {r['reason'].replace('_', ' ')}"
        found.append((None, TimelineStep(_utc(r["created_at"]), "return_authorised", label, None, None, detail)))
        if r["closed_at"] is not None:
            found.append(
                (
                    None,
                    TimelineStep(
                        _utc(r["closed_at"]), "return_closed", f"Return {r['code']} closed", None, None, {"rma": r["code"]}
                    ),
                )
            )
    codes = [r["code"] for r in rmas]
    like = " OR ".join("args LIKE ?" for _ in codes)
    for row in await tx.fetch(
        "SELECT id, args, result, device_at, committed_at FROM ledger "
        f"WHERE op_type = 'return_receive' AND status != 'rejected' AND ({like}) ORDER BY id",
        *(f'%"{code}"%' for code in codes),
    ):
        args, result = json.loads(row["args"]), json.loads(row["result"] or "{}")
        if args.get("rma") not in codes:
            continue
        where = f"back to {args['location']}" if result.get("restocked") else "scrapped"
        label = f"{args['qty']} × {args['sku']} came back on {args['rma']} ({args['condition']}, {where})"
        detail = {"rma": args["rma"], "sku": args["sku"], "qty": args["qty"], "condition": args["condition"]}
        found.append(
            (row["id"], TimelineStep(_utc(row["committed_at"]), "return_received", label, None, _when(row["device_at"]), detail))
        )
    ids = [r["id"] for r in rmas]
    code_of = {r["id"]: r["code"] for r in rmas}
    for f in await tx.fetch(
        f"SELECT rma, amount_cents, currency, method, reference, created_at, ledger_id FROM refund WHERE rma IN {in_list(ids)} ORDER BY id",
        *ids,
    ):
        amount = f"{f['amount_cents'] // 100}.{f['amount_cents'] % 100:02d} {f['currency']}"
        label = f"Refunded {amount} {_REFUND_WORDS.get(f['method'], f['method'])} on {code_of[f['rma']]}"
        detail = {
            "rma": code_of[f["rma"]],
            "amount_cents": f["amount_cents"],
            "currency": f["currency"],
            "method": f["method"],
            "reference": f["reference"],
        }
        found.append((f["ledger_id"], TimelineStep(_utc(f["created_at"]), "refunded", label, None, None, detail)))
    return found
