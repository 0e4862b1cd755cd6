"""Booking sealed packages with carriers: checked, booked outside any transaction (a carrier may take
seconds), then recorded through the engine (`record_shipment`). A booking that succeeds but is not
recorded is harmless: the next try sends the same idempotency key (the package code) and the carrier
answers with the same shipment."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import quote

from server.apply import run_one
from server.carriers.protocol import LABEL_CONTENT_TYPES, Carrier, CarrierError, CarrierUnavailable, Shipment, ShipmentRequest
from server.carriers.registry import Carriers
from server.carriers.schemas import ShipmentOut
from server.db import Database, Tx
from server.errors import DomainError
from sync.errors import Rejected
from sync.ops import CancelShipment, RecordShipment
from sync.routes import OWN_FLEET

log = logging.getLogger("shipshape")

_PACKAGE_SQL = (
    "SELECT pk.id, pk.code, pk.status, pk.sealed_at, pk.package_type, pk.weight_g, pk.carrier, pk.tracking_number, pk.stop, "
    "o.external_ref, o.status AS order_status, c.name AS recipient, c.phone, a.line1, a.line2, a.city, a.postcode, a.region, "
    "a.country, w.name AS warehouse, t.length_mm, t.width_mm, t.height_mm "
    "FROM package pk JOIN sales_order o ON o.id = pk.sales_order JOIN customer c ON c.id = o.customer "
    "JOIN address a ON a.id = o.ship_to JOIN warehouse w ON w.id = o.warehouse "
    "LEFT JOIN package_type t ON t.code = pk.package_type WHERE pk.code = ?"
)
# Goods of these orders must not leave, so nothing is booked or printed for them.
NOT_LEAVING = {"cancelled": "it was cancelled", "on_hold": "it is on hold (payment pending)"}


@dataclass(frozen=True, slots=True)
class Booked:
    shipment: ShipmentOut
    created: bool  # False: the package was already booked with this carrier; nothing was sent to it


async def _package(tx: Tx, code: str):
    row = await tx.fetchrow(_PACKAGE_SQL, code)
    if row is None:
        raise DomainError("unknown_package", f"no package {code!r}", field="code", status=404)
    if row["order_status"] in NOT_LEAVING:
        status = row["order_status"]
        raise DomainError(
            f"order_{status}",
            f"package {code} belongs to order {row['external_ref']}: {NOT_LEAVING[status]}; it must not leave",
            field="code",
            status=409,
        )
    return row


def _carrier(carriers: Carriers, code: str) -> Carrier:
    carrier = carriers.get(code)
    if carrier is None:
        known = ", ".join(carriers.codes())
        raise DomainError(
            "unknown_carrier", f"no carrier {code!r} is configured; use one of {known}", field="carrier", status=422
        )
    return carrier


def _out(code: str, carrier: str, tracking_number: str, saved) -> ShipmentOut:
    own_label = saved is None or saved["label_format"] is None or saved["tracking_number"] != tracking_number
    path = quote(code, safe="")
    return ShipmentOut(
        package=code,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=saved["tracking_url"] if saved is not None and saved["tracking_number"] == tracking_number else None,
        label_format=None if own_label else saved["label_format"],
        label_url=f"/print/packages/{path}/label" if own_label else f"/print/packages/{path}/carrier-label",
    )


async def _call(carrier: Carrier, call, what: str):
    """A carrier call with the carrier's timeout; its errors as 4xx/5xx naming the carrier."""
    try:
        return await asyncio.wait_for(call, carrier.timeout_s)
    except (TimeoutError, CarrierUnavailable) as error:
        detail = str(error) or f"no answer within {carrier.timeout_s:g} s"
        raise DomainError(
            "carrier_unavailable", f"{carrier.name} is not answering ({detail}); try again shortly", field="carrier", status=503
        ) from None
    except CarrierError as error:
        raise DomainError(
            "carrier_refused", f"{carrier.name} refused to {what}: {error.message}", field="carrier", status=422
        ) from None


def _checked(carrier: Carrier, shipment: Shipment) -> Shipment:
    number = shipment.tracking_number
    if not (isinstance(number, str) and 0 < len(number) <= 64 and number.strip() == number):
        raise DomainError(
            "carrier_bad_answer", f"{carrier.name} answered with no usable tracking number", field="carrier", status=502
        )
    if (shipment.label is None) != (shipment.label_format is None) or (
        shipment.label_format is not None and shipment.label_format not in LABEL_CONTENT_TYPES
    ):
        raise DomainError(
            "carrier_bad_answer", f"{carrier.name} answered with a label of no known format", field="carrier", status=502
        )
    return shipment


async def book(db: Database, carriers: Carriers, code: str, carrier_code: str, actor: int) -> Booked:
    """Book a sealed package with a carrier and record its tracking number (idempotent per carrier)."""
    carrier = _carrier(carriers, carrier_code)
    async with db.read() as tx:
        row = await _package(tx, code)
        saved = await tx.fetchrow(
            "SELECT tracking_number, tracking_url, label_format FROM carrier_shipment WHERE package_code = ?", code
        )
    if row["tracking_number"]:
        if row["carrier"] == carrier.code:
            return Booked(_out(code, row["carrier"], row["tracking_number"], saved), created=False)
        raise DomainError(
            "already_booked",
            f"package {code} is booked with {row['carrier']} ({row['tracking_number']}); cancel that booking first",
            field="carrier",
            status=409,
        )
    if row["sealed_at"] is None:
        raise DomainError(
            "not_sealed", f"package {code} is not sealed yet: seal it (type and weight) first", field="code", status=409
        )
    if row["status"] != "open":
        raise DomainError("already_shipped", f"package {code} is already {row['status']}", field="code", status=409)
    if row["stop"] is not None and carrier.code != OWN_FLEET:
        raise DomainError("already_routed", f"package {code} is planned on an own-fleet route", field="carrier", status=409)
    request = ShipmentRequest(
        idempotency_key=code,
        package_id=row["id"],
        package_code=code,
        order_ref=row["external_ref"],
        recipient=row["recipient"],
        phone=row["phone"],
        address_lines=tuple(line for line in (row["line1"], row["line2"]) if line),
        postcode=row["postcode"],
        city=row["city"],
        region=row["region"],
        country=row["country"],
        weight_g=row["weight_g"],
        length_mm=row["length_mm"] or 0,
        width_mm=row["width_mm"] or 0,
        height_mm=row["height_mm"] or 0,
        ship_from=row["warehouse"],
    )
    shipment = _checked(carrier, await _call(carrier, carrier.create_shipment(request), "book it"))
    await _save(db, code, carrier.code, shipment)
    op = RecordShipment(package=code, carrier=carrier.code, tracking_number=shipment.tracking_number)
    try:
        await run_one(db, op, actor=actor)
    except Rejected:
        # Refused in the meantime (routed, say): undo the booking rather than pay for a parcel that never goes.
        try:
            await _call(carrier, carrier.cancel_shipment(shipment.tracking_number), "cancel it")
        except DomainError:
            log.warning("booking %s of %s with %s not recorded and not cancelled", shipment.tracking_number, code, carrier.code)
        raise
    saved = {
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "label_format": shipment.label_format,
    }
    return Booked(_out(code, carrier.code, shipment.tracking_number, saved), created=True)


async def _save(db: Database, code: str, carrier: str, shipment: Shipment) -> None:
    async with db.write() as tx:
        await tx.execute("DELETE FROM carrier_shipment WHERE package_code = ?", code)
        await tx.execute(
            "INSERT INTO carrier_shipment (package_code, carrier, tracking_number, tracking_url, label_format, label, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            code,
            carrier,
            shipment.tracking_number,
            shipment.tracking_url,
            shipment.label_format,
            shipment.label,
            dt.datetime.now(dt.UTC),
        )


async def cancel(db: Database, carriers: Carriers, code: str, actor: int) -> None:
    """Cancel a package's booking before it leaves; a package with none is left as it is."""
    async with db.read() as tx:
        row = await tx.fetchrow("SELECT status, carrier, tracking_number, stop FROM package WHERE code = ?", code)
    if row is None:
        raise DomainError("unknown_package", f"no package {code!r}", field="code", status=404)
    if not row["tracking_number"]:
        return
    if row["status"] != "open":
        raise DomainError(
            "already_shipped", f"package {code} is already {row['status']}: ask the carrier", field="code", status=409
        )
    if row["stop"] is not None:
        raise DomainError(
            "already_routed",
            f"package {code} is planned on an own-fleet route: take it off the route first",
            field="code",
            status=409,
        )
    carrier = carriers.get(row["carrier"])
    if carrier is None:
        raise DomainError(
            "unknown_carrier",
            f"carrier {row['carrier']!r} is no longer configured: cancel with them directly",
            field="code",
            status=409,
        )
    await _call(carrier, carrier.cancel_shipment(row["tracking_number"]), "cancel it")
    await run_one(db, CancelShipment(package=code), actor=actor)
    async with db.write() as tx:
        await tx.execute("DELETE FROM carrier_shipment WHERE package_code = ?", code)


async def carrier_label(db: Database, code: str) -> tuple[bytes, str] | None:
    """The carrier's label for the package's current booking, and its format; None when there is none."""
    async with db.read() as tx:
        await _package(tx, code)
        row = await tx.fetchrow(
            "SELECT s.label, s.label_format FROM carrier_shipment s JOIN package pk ON pk.code = s.package_code "
            "AND pk.tracking_number = s.tracking_number WHERE s.package_code = ?",
            code,
        )
    if row is None or row["label"] is None:
        return None
    return bytes(row["label"]), row["label_format"]
