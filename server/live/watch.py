"""Each server process's ear on the other processes: a LISTEN connection on PostgreSQL, a poll on SQLite.

Started and stopped with the app (server/app.py). Whatever it hears goes to the process's `HUB`.
A lost LISTEN connection is made again with backoff, and on (re)connecting the hub is told the
ledger's current end, so nothing committed while it was deaf is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from server import tasks
from server.db import Database

from .hub import HUB, Hub
from .publish import CHANNEL

log = logging.getLogger("shipshape.live")

POLL_SECONDS = 1.0  # SQLite: how often another process's commits are looked for
PING_SECONDS = 10.0  # PostgreSQL: how often the LISTEN connection is checked to be alive
_MAX_BACKOFF = 10.0
_LEDGER_END = "SELECT COALESCE(MAX(id), 0) FROM ledger"
# Devices report their backlog outside the ledger; the newest report moves this.
_MARKERS = f"SELECT ({_LEDGER_END}) AS ledger_id, (SELECT MAX(pending_at) FROM device) AS reported"


class FloorWatch:
    """Feeds `hub` with changes committed by any process sharing the database."""

    def __init__(self, db: Database, hub: Hub = HUB, poll_seconds: float = POLL_SECONDS):
        self.db = db
        self.hub = hub
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task | None = None
        self._connection: asyncpg.Connection | None = None

    async def start(self) -> None:
        body = self._listen_forever() if self.db.dialect == "postgres" else self._poll_forever()
        self._task = asyncio.create_task(body, name="shipshape-floor-watch")

    async def stop(self) -> None:
        await tasks.cancel(self._task)
        self._task = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close(timeout=2)
            self._connection = None

    # -- PostgreSQL ---------------------------------------------------------------------------------

    def _heard(self, _connection, _pid, _channel, payload: str) -> None:
        self.hub.announce(int(payload) if payload.isdigit() else None)

    async def _listen_forever(self) -> None:
        failures = 0
        while True:
            try:
                connection = await asyncpg.connect(self.db.config.dsn)
            except (TimeoutError, OSError, asyncpg.PostgresError) as error:
                failures += 1
                log.warning("live floor: cannot LISTEN (%s); retrying", error)
                await asyncio.sleep(min(_MAX_BACKOFF, 0.5 * 2**failures))
                continue
            self._connection = connection
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _c, lost=lost: lost.set())
            try:
                await connection.add_listener(CHANNEL, self._heard)
                # Whatever committed while nobody here was listening.
                self.hub.announce(await connection.fetchval(_LEDGER_END))
                failures = 0
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), PING_SECONDS)
                    if not lost.is_set():
                        await asyncio.wait_for(connection.fetchval("SELECT 1"), PING_SECONDS)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                log.warning("live floor: LISTEN connection lost (%s); reconnecting", error)
            finally:
                self._connection = None
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
            failures += 1
            await asyncio.sleep(min(_MAX_BACKOFF, 0.25 * 2**failures))

    # -- SQLite ---------------------------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        seen = None
        while True:
            try:
                row = await self.db.fetchrow(_MARKERS)
                markers = (row["ledger_id"], row["reported"])
                if seen is not None and markers != seen:
                    self.hub.announce(markers[0] if markers[0] != seen[0] else None)
                seen = markers
            except Exception:  # a busy or locked file: try again next tick
                log.debug("live floor: poll failed", exc_info=True)
            await asyncio.sleep(self.poll_seconds)
