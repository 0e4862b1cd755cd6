"""A stand-in parcel carrier for tests (never shipped in server/): it implements server.carriers.Carrier,
records every call, and answers like a real carrier would — the same shipment for the same
idempotency key, a ZPL label, a tracking page. Registered with Settings(carriers=(("parcelco",
"tests.carrier_double:ParcelCo"),)) and reached through app.state.carriers.get("parcelco")."""

from __future__ import annotations

from server.carriers import CarrierError, Shipment, ShipmentRequest


class ParcelCo:
    code = "parcelco"
    name = "ParcelCo"
    timeout_s = 5.0

    def __init__(self) -> None:
        self.bookings: list[ShipmentRequest] = []  # every create_shipment call, in order
        self.cancelled: list[str] = []
        self.fail_next: CarrierError | None = None  # raised (once) by the next call
        self._by_key: dict[str, str] = {}

    async def create_shipment(self, request: ShipmentRequest) -> Shipment:
        self.bookings.append(request)
        self._fail()
        number = self._by_key.setdefault(request.idempotency_key, f"PC{len(self._by_key) + 1:08d}")
        label = f"^XA^FO50,50^A0N,40,40^FDParcelCo {number}^FS^XZ\n".encode()
        return Shipment(number, label, "zpl", f"https://parcelco.example/t/{number}")

    async def cancel_shipment(self, tracking_number: str) -> None:
        self._fail()
        self.cancelled.append(tracking_number)
        self._by_key = {key: number for key, number in self._by_key.items() if number != tracking_number}

    def _fail(self) -> None:
        error, self.fail_next = self.fail_next, None
        if error is not None:
            raise error

