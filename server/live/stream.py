"""The floor as a server-sent event stream: a snapshot on connect, a new one after every change.

One `FloorFeed` per process reads the floor once per change however many supervisors watch; each
connection then sends it on (at most one snapshot per `COALESCE_SECONDS`), a keepalive comment when
quiet, and a fresh read now and then because time alone makes orders late.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import msgspec
from litestar.response import ServerSentEventMessage

from server.db import Database

from .hub import HUB, Hub
from .snapshot import FloorSnapshot, read_floor

COALESCE_SECONDS = 0.3  # a burst of commits becomes one snapshot per connection
KEEPALIVE_SECONDS = 15.0  # a comment line, so proxies and phones keep an idle stream open
REFRESH_SECONDS = 60.0  # late orders, the last hour's picks: they move with the clock too


class FloorFeed:
    """The latest floor snapshot, read again only when the hub announced a change (or it aged)."""

    def __init__(self, db: Database, hub: Hub = HUB):
        self.db = db
        self.hub = hub
        self._cached: tuple[int, float, FloorSnapshot] | None = None
        self._lock = asyncio.Lock()

    async def current(self, max_age: float = REFRESH_SECONDS) -> FloorSnapshot:
        async with self._lock:
            generation = self.hub.generation  # taken before the read: a change during it is read next time
            cached = self._cached
            if cached is not None and cached[0] == generation and time.monotonic() - cached[1] < max_age:
                return cached[2]
            snapshot = await read_floor(self.db)
            self._cached = (generation, time.monotonic(), snapshot)
            return snapshot


def _same(a: FloorSnapshot, b: FloorSnapshot) -> bool:
    return msgspec.structs.replace(a, generated_at=b.generated_at) == b


def floor_event(snapshot: FloorSnapshot) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=msgspec.json.encode(snapshot).decode(), event="floor", id=snapshot.ledger_id)


KEEPALIVE = ServerSentEventMessage(data=None, comment="keepalive")


async def floor_events(
    feed: FloorFeed,
    last_event_id: int | None = None,
    *,
    keepalive: float = KEEPALIVE_SECONDS,
    refresh: float = REFRESH_SECONDS,
) -> AsyncIterator[ServerSentEventMessage]:
    """The events of one connection. `last_event_id`: the ledger id of the snapshot the client holds
    (the `Last-Event-ID` header): when nothing has moved since, the first snapshot is not sent again."""
    clock = time.monotonic
    with feed.hub.listen() as bell:
        sent = await feed.current()
        if last_event_id != sent.ledger_id:
            yield floor_event(sent)
        read_at = wrote_at = clock()
        while True:
            due = min(wrote_at + keepalive, read_at + refresh)
            rang = await bell.wait(max(0.0, due - clock()))
            if rang or clock() >= read_at + refresh:
                # Coalesce: a burst of commits within COALESCE_SECONDS becomes one read.
                pause = read_at + COALESCE_SECONDS - clock()
                if pause > 0:
                    await asyncio.sleep(pause)
                bell.clear()
                snapshot = await feed.current(refresh)
                read_at = clock()
                if not _same(snapshot, sent):
                    sent = snapshot
                    wrote_at = read_at
                    yield floor_event(snapshot)
                continue
            wrote_at = clock()
            yield KEEPALIVE
