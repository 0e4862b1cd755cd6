"""Our own vans: booking costs nothing and asks nobody, so the tracking number is made here."""

from __future__ import annotations

from biip.checksums import gs1_standard_check_digit

from server.carriers.protocol import Shipment, ShipmentRequest
from sync.routes import OWN_FLEET

# Tracking numbers are shown to customers. Package ids count every package ever packed, so they go
# through a fixed permutation of 0..10¹⁰-1 first (multiplying by a number coprime with 10 is a
# bijection modulo 10¹⁰): consecutive packages get unrelated-looking numbers, every package its own.
# This hides the count from a glance, not from someone who reads this file; nothing is looked up by
# tracking number without a login (the customer's page is keyed by the order's random token).
_MODULUS = 10**10
_FACTOR = 7_368_787_397  # odd and not a multiple of 5
_OFFSET = 4_142_135_623
PREFIX = "SSF"


def own_fleet_tracking_number(package_id: int) -> str:
    """`SSF` + 10 digits + a GS1 mod-10 check digit, the same for the same package every time."""
    if not 0 < package_id < _MODULUS:
        raise ValueError(f"package id {package_id} is outside 1..{_MODULUS - 1}")
    digits = str((package_id * _FACTOR + _OFFSET) % _MODULUS).zfill(10)
    return PREFIX + digits + str(gs1_standard_check_digit(digits))


class OwnFleet:
    """The built-in carrier: our drivers, our routes, our 4×6 label (no carrier label)."""

    code = OWN_FLEET
    name = "Own fleet"
    timeout_s = 1.0

    async def create_shipment(self, request: ShipmentRequest) -> Shipment:
        return Shipment(tracking_number=own_fleet_tracking_number(request.package_id))

    async def cancel_shipment(self, tracking_number: str) -> None:
        return None  # nothing was booked anywhere but in our own database
