"""HTTP routes for printed documents: HTML with print CSS (print from the browser), and ZPL for
label printers. Personal data inside, so nothing here may be cached."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template

from scanner.render import shipping_label_zpl
from server.accounts.security import STAFF, requires
from server.carriers.protocol import LABEL_CONTENT_TYPES
from server.carriers.service import carrier_label
from server.errors import responses
from server.params import RowId
from server.print import service

PACKING = requires("packer", "supervisor", "admin")
PackagePath = Annotated[str, Parameter(min_length=1, max_length=40, description="the package code")]
_NO_STORE = CacheControlHeader(no_store=True)


def _without_tracking(zpl: str) -> str:
    """The ZPL label less its tracking QR and caption, for a server with no public URL to link to."""
    return "".join(line for line in zpl.splitlines(keepends=True) if "^BQN" not in line and "Track this parcel" not in line)


class PrintController(Controller):
    path = "/print"
    tags = ["printing"]
    cache_control = _NO_STORE

    @get("/waves/{wave_id:int}/pick-list", guards=[STAFF], media_type=MediaType.HTML, responses=responses(400, 401, 403, 404))
    async def pick_list(self, wave_id: RowId, state: State) -> Template:
        """A wave's pick tasks in walking order, to print for a picker without a device."""
        doc = await service.pick_list(state.db, wave_id)
        if doc is None:
            raise NotFoundException(f"no wave {wave_id}")
        return Template("print/pick_list.html", context={"doc": doc})

    @get(
        "/orders/{order_id:int}/packing-slip",
        guards=[PACKING],
        media_type=MediaType.HTML,
        responses=responses(400, 401, 403, 404),
    )
    async def packing_slip(self, order_id: RowId, state: State) -> Template:
        """What goes in the box: lines with product barcodes, the `ORD-<id>` code, and a tracking QR."""
        doc = await service.packing_slip(state.db, order_id, state.settings.public_url)
        if doc is None:
            raise NotFoundException(f"no order {order_id}")
        return Template("print/packing_slip.html", context={"doc": doc})

    @get(
        "/orders/{order_id:int}/label", guards=[PACKING], media_type=MediaType.HTML, responses=responses(400, 401, 403, 404, 409)
    )
    async def label(self, order_id: RowId, state: State) -> Template:
        """The 4×6 in shipping label: addresses, a GS1-128 SSCC (AI 00) and a QR tracking link.
        409 for a cancelled order or one on hold."""
        doc = await service.shipping_label(state.db, order_id, state.settings.gs1_company_prefix, state.settings.public_url)
        if doc is None:
            raise NotFoundException(f"no order {order_id}")
        return Template("print/label.html", context={"doc": doc})

    @get(
        "/orders/{order_id:int}/label.zpl",
        guards=[PACKING],
        media_type=MediaType.TEXT,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def label_zpl(self, order_id: RowId, state: State) -> Response[str]:
        """The same shipping label as ZPL for a 203 dpi thermal printer."""
        doc = await service.shipping_label(state.db, order_id, state.settings.gs1_company_prefix, state.settings.public_url)
        if doc is None:
            raise NotFoundException(f"no order {order_id}")
        zpl = shipping_label_zpl(doc.data)
        return Response(
            zpl if doc.data.tracking_url else _without_tracking(zpl),
            media_type=MediaType.TEXT,
            headers={"content-disposition": f'inline; filename="label-{order_id}.zpl"'},
        )

    @get("/packages/{code:str}/label", guards=[PACKING], media_type=MediaType.HTML, responses=responses(400, 401, 403, 404, 409))
    async def package_label(self, code: PackagePath, state: State) -> Template:
        """One package's 4×6 in label: "package n of m", its own SSCC (AI 00), carrier and tracking
        number, and the order's tracking QR. 409 for a cancelled order or one on hold."""
        doc = await self._package_label(code, state)
        return Template("print/label.html", context={"doc": doc})

    @get(
        "/packages/{code:str}/label.zpl",
        guards=[PACKING],
        media_type=MediaType.TEXT,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def package_label_zpl(self, code: PackagePath, state: State) -> Response[str]:
        """The same package label as ZPL for a 203 dpi thermal printer."""
        doc = await self._package_label(code, state)
        zpl = shipping_label_zpl(doc.data)
        return Response(
            zpl if doc.data.tracking_url else _without_tracking(zpl),
            media_type=MediaType.TEXT,
            headers={"content-disposition": f'inline; filename="label-{doc.data.sscc}.zpl"'},
        )

    @get(
        "/packages/{code:str}/carrier-label",
        guards=[PACKING],
        media_type=MediaType.TEXT,
        responses=responses(400, 401, 403, 404, 409),
    )
    async def carrier_label(self, code: PackagePath, state: State) -> Response[bytes]:
        """The label the carrier returned when it booked the package, as it sent it (ZPL, PDF or HTML)."""
        found = await carrier_label(state.db, code)
        if found is None:
            raise NotFoundException(f"no carrier label for package {code!r}: print /print/packages/{{code}}/label")
        label, label_format = found
        return Response(
            label,
            media_type=LABEL_CONTENT_TYPES[label_format],
            headers={"content-disposition": f'inline; filename="carrier-label.{label_format}"'},
        )

    async def _package_label(self, code: str, state: State) -> service.ShippingLabel:
        settings = state.settings
        doc = await service.package_label(state.db, code, settings.gs1_company_prefix, settings.public_url, state.carriers)
        if doc is None:
            raise NotFoundException(f"no package {code!r}")
        return doc

    @get("/locations/labels", guards=[STAFF], media_type=MediaType.HTML, responses=responses(400, 401, 403))
    async def location_labels(
        self,
        state: State,
        zone: Annotated[str | None, Parameter(max_length=16, description="only this zone's locations")] = None,
    ) -> Template:
        """Bin labels (Code 128 and Data Matrix of the location code), in walking order."""
        labels = await service.location_labels(state.db, zone)
        return Template("print/location_labels.html", context={"labels": labels, "zone": zone})

    @get("/locations/{code:str}/label", guards=[STAFF], media_type=MediaType.HTML, responses=responses(400, 401, 403, 404))
    async def location_label(
        self, code: Annotated[str, Parameter(min_length=1, max_length=32, description="the location code")], state: State
    ) -> Template:
        """One bin's label (a new or damaged one), as on the sheet of `/print/locations/labels`."""
        labels = await service.location_labels(state.db, None, code=code)
        if not labels:
            raise NotFoundException(f"no location {code!r}")
        return Template("print/location_labels.html", context={"labels": labels, "zone": None})
