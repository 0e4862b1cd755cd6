"""HTTP route for resolving a scan."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK

from server.accounts.security import ANY_ROLE
from server.errors import responses
from server.scan import service
from server.scan.schemas import ScanIn, ScanOut


class ScanController(Controller):
    path = "/api/scan"
    tags = ["scanning"]

    @post("/resolve", guards=[ANY_ROLE], status_code=HTTP_200_OK, responses=responses(400, 401))
    async def resolve(self, data: ScanIn, state: State) -> ScanOut:
        """What a scanned code means here: a location, a product (any barcode, a GTIN inside GS1 data,
        or its SKU), a tote, a package (its code or SSCC), an order (its reference, `ORD-<id>` or
        tracking link) — or `unknown`. GS1 parts (GTIN as 14 digits, SSCC, lot, expiry, best before,
        serial, count, net weight in kg) come back whatever the kind. An invalid code answers 200
        with `valid: false` and `error` saying what is wrong (a wrong check digit, an unknown AI, a
        truncated field, an impossible date)."""
        return await service.resolve(state.db, data.scan, state.settings.gs1_company_prefix)
