"""What a customer may see of an order by its tracking token: where it is in its journey, when it was
promised and when it came, who carries each parcel under which tracking number — and nothing else (no
name, no street, no items, no signature, photo, position or recipient: a tracking link gets forwarded,
photographed and printed). Failed attempts are told by their reason only, never the driver's note."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from server.db import Database, stored_time

# Tokens are secrets.token_urlsafe(12) (96 random bits); anything else is not worth a query.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")

# The warehouse's statuses in a customer's words; neighbouring steps with the same words are one step.
_CUSTOMER_WORDS = {
    "new": "Order received",
    "on_hold": "Waiting for payment",
    "backordered": "Waiting for stock",
    "partially_allocated": "Waiting for stock",
    "allocated": "Being prepared",
    "awaiting_supplier": "Being prepared",
    "released": "Being prepared",
    "picking": "Being prepared",
    "picked": "Being prepared",
    "packed": "Packed, waiting for collection",
    "shipped": "On its way",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


def tracking_url(public_url: str, token: str) -> str:
    """The link printed on labels and slips: always under the configured public URL."""
    return f"{public_url.rstrip('/')}/track/{token}"


@dataclass(frozen=True, slots=True)
class Step:
    words: str
    at: dt.datetime


# Why a delivery failed, as the customer reads it after "We tried to deliver … —".
_ATTEMPT_WORDS = {
    "not_home": "nobody was home",
    "refused": "the parcel was refused",
    "address_not_found": "we could not find the address",
    "access": "we could not get to the door",
    "damaged": "the parcel was damaged, so we brought it back",
    "other": "we could not hand it over",
}
_CARRIER_NAMES = {"own_fleet": "Our own van", "": "Not booked yet"}


@dataclass(frozen=True, slots=True)
class Parcel:
    number: int  # "parcel 1 of 2"
    carrier: str  # the carrier's name
    tracking_number: str
    out_for_delivery: bool  # loaded into one of our vans, on its way today


@dataclass(frozen=True, slots=True)
class Attempt:
    """A failed delivery, in the customer's words only (the reason, never the driver's note)."""

    at: dt.datetime
    words: str


@dataclass(frozen=True, slots=True)
class Tracking:
    status: str  # in the customer's words
    area: str  # town and postcode district, e.g. "Leeds LS1"
    steps: list[Step]
    promised_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    out_for_delivery: bool = False
    attempt: Attempt | None = None  # the latest failed attempt, while the parcel is not delivered
    parcels: list[Parcel] = field(default_factory=list)


def carrier_name(code: str) -> str:
    return _CARRIER_NAMES.get(code, code.replace("_", " ").title())


_utc = stored_time  # one conversion for every stored timestamp (server/db.py)


def _area(city: str, postcode: str) -> str:
    district = postcode.split()[0] if " " in postcode.strip() else ""  # "LS1 4AB" → "LS1"; "50667" → ""
    return " ".join(part for part in (city, district) if part)


async def tracking(db: Database, token: str) -> Tracking | None:
    if not TOKEN.match(token):
        return None
    async with db.read() as tx:
        order = await tx.fetchrow(
            "SELECT o.id, o.status, o.promised_at, a.city, a.postcode FROM sales_order o JOIN address a ON a.id = o.ship_to "
            "WHERE o.tracking_token = ?",
            token,
        )
        if order is None:
            return None
        events = await tx.fetch("SELECT status, at FROM order_event WHERE sales_order = ? ORDER BY id", order["id"])
        packages = await tx.fetch(
            "SELECT id, status, carrier, tracking_number, stop FROM package WHERE sales_order = ? ORDER BY id", order["id"]
        )
        # Only the outcome, reason and time of each attempt: the rest of a delivery row is not the page's business.
        attempts = await tx.fetch(
            "SELECT d.package, d.outcome, d.reason, d.device_at, l.committed_at FROM delivery d JOIN package p ON p.id = d.package "
            "LEFT JOIN ledger l ON l.id = d.ledger_id WHERE p.sales_order = ? AND d.evidence = ? ORDER BY d.id",
            order["id"],
            False,
        )
    steps: list[Step] = []
    for event in events:
        words = _CUSTOMER_WORDS.get(event["status"], "In progress")
        if not steps or steps[-1].words != words:
            at = event["at"]
            steps.append(Step(words, _utc(at)))
    latest = {a["package"]: a for a in attempts}  # each package's last attempt
    when = {p: _utc(a["device_at"] or a["committed_at"]) for p, a in latest.items()}
    delivered = [when[p] for p, a in latest.items() if a["outcome"] == "delivered"]
    failed = [(when[p], a["reason"]) for p, a in latest.items() if a["outcome"] == "failed" and order["status"] != "delivered"]
    out = [p["stop"] is not None and p["status"] == "shipped" for p in packages]
    status = _CUSTOMER_WORDS.get(order["status"], "In progress")
    if order["status"] == "shipped" and any(out):
        status = "Out for delivery"
    return Tracking(
        status=status,
        area=_area(order["city"], order["postcode"]),
        steps=steps,
        promised_at=_utc(order["promised_at"]) if order["promised_at"] is not None else None,
        delivered_at=(max(delivered) if delivered else _utc(events[-1]["at"])) if order["status"] == "delivered" else None,
        out_for_delivery=any(out),
        attempt=_attempt(max(failed)) if failed else None,
        parcels=[
            Parcel(n, carrier_name(p["carrier"]), p["tracking_number"], loaded)
            for n, (p, loaded) in enumerate(zip(packages, out, strict=True), start=1)
        ],
    )


def _attempt(latest: tuple[dt.datetime, str]) -> Attempt:
    at, reason = latest
    return Attempt(at, _ATTEMPT_WORDS.get(reason, _ATTEMPT_WORDS["other"]))
