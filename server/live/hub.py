"""In-process fan-out: whoever learns that the floor changed tells the hub; every open stream wakes.

The hub carries no data, only "something changed, the ledger is at least at N": each stream reads the
floor itself (through the shared `FloorFeed`), so a lost or doubled wake-up costs one read, never a
wrong screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Listener:
    """One subscriber's doorbell: set by `Hub.announce`, cleared by `wait`."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._rang = asyncio.Event()

    def ring(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._rang.set()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._rang.set)

    async def wait(self, timeout: float) -> bool:
        """True when rung within `timeout` seconds (the bell is cleared either way)."""
        try:
            await asyncio.wait_for(self._rang.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._rang.clear()

    def clear(self) -> None:
        self._rang.clear()


class Hub:
    """Announcements of floor changes within one server process."""

    def __init__(self) -> None:
        self.ledger_id = 0  # the highest ledger id announced so far
        self.generation = 0  # bumped by every announcement: caches keyed by it know they are stale
        self._listeners: set[Listener] = set()

    def announce(self, ledger_id: int | None = None) -> None:
        """The floor changed (the ledger reached `ledger_id`, or something outside it, such as a device's
        reported backlog, when None). Cheap and synchronous: safe to call right after a commit."""
        if ledger_id is not None and ledger_id > self.ledger_id:
            self.ledger_id = ledger_id
        self.generation += 1
        for listener in list(self._listeners):
            listener.ring()

    @contextmanager
    def listen(self) -> Iterator[Listener]:
        listener = Listener()
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)

    @property
    def listeners(self) -> int:
        return len(self._listeners)


# One per process: the engine transaction, the LISTEN connection and the streams all meet here.
HUB = Hub()
