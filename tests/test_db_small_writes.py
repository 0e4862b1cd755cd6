"""A small write (a phone's push of a few ops) runs on the event loop's thread on SQLite, saving two
thread hops; it must never run beside a write still on the database thread, and never stall the loop
while another process holds the file's write lock."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time

from server.db import Database
from server.settings import DatabaseConfig


def _file(path) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE n (v INTEGER)")
    con.close()


def _insert(value: int, pause: float = 0.0):
    async def work(tx) -> int:
        await tx.execute("INSERT INTO n VALUES (?)", value)
        if pause:
            time.sleep(pause)  # a long batch, on whichever thread runs it
        return threading.get_ident()

    return work


def _with_database(path: str, body):
    """asyncio.run(body(db)) with a started Database on `path`, closed afterwards."""

    async def scenario():
        db = Database(DatabaseConfig("sqlite", path=path))
        await db.start()
        try:
            return await body(db)
        finally:
            await db.close()

    return asyncio.run(scenario())


async def _values(db: Database) -> list[int]:
    async with db.read() as tx:
        return [row["v"] for row in await tx.fetch("SELECT v FROM n ORDER BY v")]


def test_a_small_write_runs_on_the_loop_thread_and_a_large_one_on_the_database_thread(tmp_path):
    path = str(tmp_path / "small.db")
    _file(path)

    async def body(db):
        small = await db.run_write(_insert(1), small=True)
        large = await db.run_write(_insert(2))
        return small, large, await _values(db)

    small, large, values = _with_database(path, body)
    assert small == threading.get_ident()
    assert large != threading.get_ident()
    assert values == [1, 2]


def test_a_small_write_waits_on_the_database_thread_while_another_process_holds_the_write_lock(tmp_path):
    path = str(tmp_path / "held.db")
    _file(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the CLI or a second server in the middle of a write
    other.execute("INSERT INTO n VALUES (0)")

    async def body(db):
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        write = asyncio.create_task(db.run_write(_insert(1), small=True))
        await asyncio.sleep(0.3)
        assert not write.done()  # waiting for the lock, not refused
        assert ticks >= 10  # and not on the loop: the loop went on
        other.execute("COMMIT")
        thread = await asyncio.wait_for(write, 10)
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
        # The lock is free again: the next small write runs inline with its busy timeout restored.
        inline = await db.run_write(_insert(2), small=True)
        busy_ms = db._inline.execute("PRAGMA busy_timeout").fetchone()[0]
        return thread, inline, busy_ms, await _values(db)

    try:
        thread, inline, busy_ms, values = _with_database(path, body)
    finally:
        other.close()
    assert thread != threading.get_ident()
    assert inline == threading.get_ident()
    assert busy_ms == 30_000
    assert values == [0, 1, 2]


def test_a_small_write_never_runs_beside_a_cancelled_write_still_on_the_database_thread(tmp_path):
    path = str(tmp_path / "cancelled.db")
    _file(path)

    async def body(db):
        long = asyncio.create_task(db.run_write(_insert(1, pause=0.5)))
        await asyncio.sleep(0.1)  # on the database thread, in its transaction
        long.cancel()  # its request went away; the thread goes on with the connection
        with contextlib.suppress(asyncio.CancelledError):
            await long
        # Inline now would start a transaction inside the one still running on that connection.
        thread = await db.run_write(_insert(2), small=True)
        after = await db.run_write(_insert(3), small=True)
        return thread, after, await _values(db)

    thread, after, values = _with_database(path, body)
    assert thread != threading.get_ident()  # queued behind the cancelled one on its thread
    assert after == threading.get_ident()  # that one finished: inline again
    assert values == [1, 2, 3]
