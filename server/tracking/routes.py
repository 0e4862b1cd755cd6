"""GET /track/{token}: the page a tracking QR or link opens. No login; the token is the key."""

from __future__ import annotations

from litestar import Controller, MediaType, get
from litestar.datastructures import CacheControlHeader, State
from litestar.response import Template

from server.tracking import service


class TrackingController(Controller):
    path = "/track"
    include_in_schema = False
    # The page is the token's holder's business only: no cache keeps it.
    cache_control = CacheControlHeader(no_store=True)

    @get("/{token:str}", exclude_from_auth=True, media_type=MediaType.HTML)
    async def track(self, token: str, state: State) -> Template:
        """Where the parcel is: its status and the steps so far, and the town it is going to."""
        found = await service.tracking(state.db, token)
        if found is None:
            return Template("tracking.html", context={"tracking": None}, status_code=404)
        return Template("tracking.html", context={"tracking": found})
