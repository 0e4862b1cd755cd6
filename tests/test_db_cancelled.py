"""A request cancelled in the middle of a SQLite transaction (a client gone: a phone that lost its
network, a live-floor stream closed) must not leave its pooled connection inside that transaction.

Found by the CI rehearsal: a read cancelled while its BEGIN was still queued on the connection's
thread went back to the pool with the BEGIN then run; every later read on it failed with "cannot
start a transaction within a transaction" (a 500 on every page, for the rest of the process's life).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

from server.db import Database
from server.settings import DatabaseConfig


def _file(path) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE n (v INTEGER)")
    con.execute("INSERT INTO n VALUES (1)")
    con.close()


async def _cancelled_while_beginning(context) -> None:
    """Enter `context` in a task and cancel it while its BEGIN is on its way to the database thread."""

    async def hold() -> None:
        async with context():
            await asyncio.sleep(30)

    task = asyncio.create_task(hold())
    await asyncio.sleep(0)  # the task runs up to the awaited BEGIN
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_reads_and_writes_work_after_requests_were_cancelled_mid_begin(tmp_path):
    path = str(tmp_path / "cancel.db")
    _file(path)

    async def scenario() -> list[int]:
        db = Database(DatabaseConfig("sqlite", path=path))
        await db.start()
        try:
            for _ in range(3):
                await _cancelled_while_beginning(db.read)
                await _cancelled_while_beginning(db.write)
            seen = []
            # Every reader in the pool, several times over: none is left inside a transaction.
            for i in range(12):
                async with db.read() as tx:
                    seen.append((await tx.fetchrow("SELECT COUNT(*) AS c FROM n"))["c"])
                async with db.write() as tx:
                    await tx.execute("INSERT INTO n VALUES (?)", i)
            # And the reads see the writes: no reader holds an old snapshot.
            async with db.read() as tx:
                seen.append((await tx.fetchrow("SELECT COUNT(*) AS c FROM n"))["c"])
            return seen
        finally:
            await db.close()

    assert asyncio.run(scenario()) == [*range(1, 13), 13]
