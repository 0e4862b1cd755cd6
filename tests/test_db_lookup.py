"""`Database.lookup`: the per-request point read (the bearer token) on the event loop's own SQLite
connection. Never a cache: a change committed by another process is seen by the very next lookup."""

from __future__ import annotations

import asyncio
import sqlite3

from server.db import Database
from server.settings import DatabaseConfig


def _file_with_a_token(path) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE token (hash TEXT PRIMARY KEY, revoked TEXT)")
    con.execute("INSERT INTO token VALUES ('abc', NULL)")
    con.close()


def test_a_revocation_committed_elsewhere_is_seen_by_the_next_lookup(tmp_path):
    path = str(tmp_path / "lookup.db")
    _file_with_a_token(path)

    async def scenario() -> list:
        db = Database(DatabaseConfig("sqlite", path=path))
        await db.start()
        try:
            seen = [(await db.lookup("SELECT revoked FROM token WHERE hash = ?", "abc"))["revoked"]]
            other = sqlite3.connect(path, isolation_level=None)  # as another process (the CLI, a worker)
            other.execute("UPDATE token SET revoked = 'now' WHERE hash = 'abc'")
            other.close()
            seen.append((await db.lookup("SELECT revoked FROM token WHERE hash = ?", "abc"))["revoked"])
            seen.append(await db.lookup("SELECT revoked FROM token WHERE hash = ?", "nope"))
            return seen
        finally:
            await db.close()

    assert asyncio.run(scenario()) == [None, "now", None]


class _Busy:
    """A connection that finds the file busy (another process recovering the WAL, say)."""

    def execute(self, *args):
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY
        raise error

    def close(self) -> None:
        pass


def test_a_busy_file_sends_the_lookup_to_a_reader_thread_instead_of_failing(tmp_path):
    path = str(tmp_path / "lookup.db")
    _file_with_a_token(path)

    async def scenario():
        db = Database(DatabaseConfig("sqlite", path=path))
        await db.start()
        own, db._lookup = db._lookup, _Busy()
        try:
            return await db.lookup("SELECT hash FROM token WHERE hash = ?", "abc")
        finally:
            db._lookup = own
            await db.close()

    assert asyncio.run(scenario())["hash"] == "abc"
