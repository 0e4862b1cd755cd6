"""An order's journey, recomputed from what was recorded: its status events, the ledger's ops about
its packages, and the drivers' delivery reports — never from a second copy kept for the purpose.

The ledger has no order column. Status changes reach an order through `order_event` (with their
ledger id); the package ops (seal, ship, record_shipment, create_route, return_to_depot) name their
package by code in their args, so they are found by the codes of the order's packages; delivery
reports are `delivery` rows of those packages. Each step is placed at its commit time (the order in
which the warehouse learned it); `device_at` says when the phone says it happened, when one did.
"""

from __future__ import annotations

import json
from typing import Any

from server.db import Tx, in_list, stored_time
from server.orders.schemas import TimelineStep

# Order statuses in plain words: the kind of the step, and what a person reads.
_STATUS_STEPS = {
    "new": ("received", "Order received"),
    "on_hold": ("on_hold", "On hold"),
    "backordered": ("backordered", "Waiting for stock"),
    "partially_allocated": ("partially_allocated", "Partly reserved, waiting for more stock"),
    "allocated": ("allocated", "Stock reserved"),
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
    return [step for _, step in sorted(steps, key=lambda s: s[0])]


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
