"""GET /api/floor (the floor now) and GET /api/floor/stream (the floor as it changes)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.response import ServerSentEvent

from server.accounts.security import STAFF, CurrentUser
from server.errors import responses
from sync.errors import Rejected

from .snapshot import FloorSnapshot, read_floor
from .stream import floor_events

# The stream never ends: it goes only to a client that asked for one (fetch or EventSource sends this).
EVENT_STREAM = "text/event-stream"


def _last_event_id(request: Request) -> int | None:
    value = request.headers.get("last-event-id", "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


class FloorController(Controller):
    path = "/api/floor"
    tags = ["supervisor"]

    @get("", guards=[STAFF], responses=responses(401, 403))
    async def floor(self, state: State) -> FloorSnapshot:
        """The live floor now: orders by status, waves and pickers, lines per hour, late and at-risk
        orders, backorders, low stock, phones with unsent ops, open exceptions and floor tasks."""
        return await read_floor(state.db)

    @get(
        "/stream",
        guards=[STAFF],
        responses=responses(401, 403, 406),
        media_type=EVENT_STREAM,
        opt={"no_compression": True},  # gzip would hold events back until its buffer fills
    )
    async def stream(self, request: Request[CurrentUser, str, State], state: State) -> ServerSentEvent:
        """Server-sent events (send `Accept: text/event-stream`, and the bearer token as everywhere): `event: floor`
        with the snapshot of GET /api/floor as `data` and its `ledger_id` as `id`, on connect and within two
        seconds of every committed change, from any server process; a `: keepalive` comment every 15 s. Send
        `Last-Event-ID` on reconnecting: when nothing changed since, no snapshot is repeated."""
        if EVENT_STREAM not in request.headers.get("accept", ""):
            raise Rejected("not_acceptable", f"this is an event stream: send Accept: {EVENT_STREAM}", "Accept", 406)
        return ServerSentEvent(floor_events(state.floor, _last_event_id(request)))
