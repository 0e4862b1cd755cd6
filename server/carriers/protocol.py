"""What every carrier adapter implements (docs/carriers.md says what each method must guarantee)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

LabelFormat = Literal["zpl", "pdf", "html"]
LABEL_CONTENT_TYPES: dict[str, str] = {"zpl": "text/plain", "pdf": "application/pdf", "html": "text/html"}


class CarrierError(Exception):
    """The carrier refused the booking (bad address, too heavy, account closed …); `message` is shown to
    the packer as is, so it says what to do. Retrying the same request will not help."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CarrierUnavailable(CarrierError):
    """The carrier could not be reached or answered with an outage (timeout, 5xx): retry later, with the
    same idempotency key, and the carrier gives back the same shipment if the first try got through."""


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    """One sealed package to book. `idempotency_key` is the package code: booking it again, after a
    timeout or a failure to record the answer, must return the same shipment, never a second one."""

    idempotency_key: str
    package_id: int
    package_code: str
    order_ref: str
    recipient: str
    phone: str
    address_lines: tuple[str, ...]  # street lines, without city and postcode
    postcode: str
    city: str
    region: str
    country: str  # ISO 3166-1 alpha-2
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    ship_from: str  # the warehouse's name


@dataclass(frozen=True, slots=True)
class Shipment:
    """A carrier's answer: the tracking number (≤ 64 characters) and, when the carrier prints its own,
    the label (None: we print ours at /print/packages/{code}/label)."""

    tracking_number: str
    label: bytes | None = None
    label_format: LabelFormat | None = None
    tracking_url: str | None = None  # the carrier's own tracking page for this parcel, if it has one


@runtime_checkable
class Carrier(Protocol):
    """A carrier adapter. `code` is what packages record (≤ 32 characters); `name` is shown to people.
    Both methods may be called concurrently for different packages; neither may touch our database."""

    code: str
    name: str
    timeout_s: float  # the longest the server waits for either call before treating it as an outage

    async def create_shipment(self, request: ShipmentRequest) -> Shipment:
        """Book the package; idempotent on `request.idempotency_key`. Raises CarrierError or CarrierUnavailable."""
        ...

    async def cancel_shipment(self, tracking_number: str) -> None:
        """Undo a booking; cancelling one already cancelled succeeds. Raises CarrierError or CarrierUnavailable."""
        ...
