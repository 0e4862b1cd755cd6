"""What a customer may see of an order by its tracking token: where it is in its journey, and nothing
else (no name, no street, no items: a tracking link gets forwarded, photographed and printed)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from server.db import Database

# Tokens are secrets.token_urlsafe(12) (96 random bits); anything else is not worth a query.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")

# The warehouse's statuses in a customer's words; neighbouring steps with the same words are one step.
_CUSTOMER_WORDS = {
    "new": "Order received",
    "on_hold": "Waiting for payment",
    "backordered": "Waiting for stock",
    "partially_allocated": "Waiting for stock",
    "allocated": "Being prepared",
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


@dataclass(frozen=True, slots=True)
class Tracking:
    status: str  # in the customer's words
    area: str  # town and postcode district, e.g. "Leeds LS1"
    steps: list[Step]


def _area(city: str, postcode: str) -> str:
    district = postcode.split()[0] if " " in postcode.strip() else ""  # "LS1 4AB" → "LS1"; "50667" → ""
    return " ".join(part for part in (city, district) if part)


async def tracking(db: Database, token: str) -> Tracking | None:
    if not TOKEN.match(token):
        return None
    async with db.read() as tx:
        order = await tx.fetchrow(
            "SELECT o.id, o.status, a.city, a.postcode FROM sales_order o JOIN address a ON a.id = o.ship_to "
            "WHERE o.tracking_token = ?",
            token,
        )
        if order is None:
            return None
        events = await tx.fetch("SELECT status, at FROM order_event WHERE sales_order = ? ORDER BY id", order["id"])
    steps: list[Step] = []
    for event in events:
        words = _CUSTOMER_WORDS.get(event["status"], "In progress")
        if not steps or steps[-1].words != words:
            at = event["at"]
            steps.append(Step(words, at.astimezone(dt.UTC) if at.tzinfo else at))
    return Tracking(
        status=_CUSTOMER_WORDS.get(order["status"], "In progress"),
        area=_area(order["city"], order["postcode"]),
        steps=steps,
    )
