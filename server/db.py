"""Raw, set-based database access for the hot paths, on SQLite (aiosqlite) or PostgreSQL (asyncpg).

Piccolo owns the schema, the migrations and the simple admin queries. The op engine's loader and
writer go through here instead: one transaction per batch, rows fetched with `IN (…)` queries and
written with `executemany` on the transaction's own connection (see shared notes on where Piccolo
spends its time on SQLite). SQL is written once with `?` placeholders; for PostgreSQL they become
`$1, $2, …`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar, overload

import aiosqlite
import asyncpg
import msgspec
import piccolo.engine.sqlite  # noqa: F401  (registers the converters for TIMESTAMPTZ, DATE, BOOLEAN …)

from server.settings import DatabaseConfig

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

# Piccolo's INTEGER converter goes through Decimal for every value; plain int() of the bytes is the
# same for the integers we store and many times faster on the sync path's wide reads.
sqlite3.register_converter("INTEGER", int)

_PLACEHOLDER = re.compile(r"\?")
_pg_cache: dict[str, str] = {}


def _to_pg(sql: str) -> str:
    converted = _pg_cache.get(sql)
    if converted is None:
        counter = iter(range(1, 100_000))
        converted = _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)
        _pg_cache[sql] = converted
    return converted


# Errors a statement raises because of the values it was given (out of range, too long, a constraint),
# as opposed to the database being unreachable or busy: caused by one op's data, they reject that op.
DATA_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.DataError,
    asyncpg.exceptions.IntegrityConstraintViolationError,
    sqlite3.IntegrityError,
    sqlite3.DataError,
    OverflowError,  # sqlite3 binding an integer beyond 64 bits
)


def record_to(struct_type: type[S], record) -> S:
    """A msgspec Struct built by field name from a database record (the SELECT names its columns so)."""
    return struct_type(**{name: record[name] for name in struct_type.__struct_fields__})


def in_list(values: Sequence[Any]) -> str:
    """`(?, ?, …)` for an IN clause of len(values) (callers never pass an empty list)."""
    return "(" + ", ".join("?" * len(values)) + ")"


class Tx:
    """One transaction's connection with a dialect-neutral fetch/execute surface."""

    def __init__(self, dialect: str, connection):
        self.dialect = dialect
        self.connection = connection

    async def fetch(self, sql: str, *args) -> list:
        if self.dialect == "postgres":
            return await self.connection.fetch(_to_pg(sql), *args)
        return await self.connection.execute_fetchall(sql, args)

    async def fetchrow(self, sql: str, *args):
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args):
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    async def execute(self, sql: str, *args) -> None:
        if self.dialect == "postgres":
            await self.connection.execute(_to_pg(sql), *args)
        else:
            await self.connection.execute(sql, args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.dialect == "postgres":
            await self.connection.executemany(_to_pg(sql), rows)
        else:
            await self.connection.executemany(sql, rows)


class _InlineTx(Tx):
    """The same surface over a plain sqlite3 connection, run inline on the database thread.

    Its coroutines never suspend, so a whole batch (load, apply, write) runs in one hop to the
    database thread instead of one hop per statement."""

    async def fetch(self, sql: str, *args) -> list:
        return self.connection.execute(sql, args).fetchall()

    async def execute(self, sql: str, *args) -> None:
        self.connection.execute(sql, args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.connection.executemany(sql, rows)


def _drive(coroutine):
    """Run a coroutine that never suspends to completion, synchronously."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a transaction function awaited something other than its transaction")


class Database:
    """Connections for one process: a single SQLite writer (plus readers), or an asyncpg pool."""

    def __init__(self, config: DatabaseConfig):
        self.config = config
        self.dialect = config.dialect
        # PostgreSQL: an asyncpg pool (asyncpg ships no type information). SQLite: the writer, the
        # readers, and the writer thread's own connection. All are made by start().
        self._pool: Any = None
        self._writer: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._readers: asyncio.Queue[aiosqlite.Connection] | None = None
        self._reader_count = 2
        self._executor: ThreadPoolExecutor | None = None
        self._inline: sqlite3.Connection | None = None

    async def start(self) -> None:
        if self.dialect == "postgres":
            import asyncpg

            self._pool = await asyncpg.create_pool(self.config.dsn, min_size=1, max_size=10)
        else:
            self._writer = await self._sqlite_connect()
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
            self._inline = await asyncio.get_running_loop().run_in_executor(self._executor, self._sqlite_connect_inline)
            self._readers = asyncio.Queue()
            for _ in range(self._reader_count):
                self._readers.put_nowait(await self._sqlite_connect())

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._inline is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._inline.close)
            assert self._executor is not None  # made together with _inline
            self._executor.shutdown()
            self._inline = None
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
            while self._readers and not self._readers.empty():
                await self._readers.get_nowait().close()

    async def _sqlite_connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(
            self.config.path,
            timeout=30,  # busy timeout: wait for another process's write lock instead of failing
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
        )
        connection.row_factory = sqlite3.Row
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _sqlite_connect_inline(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.config.path,
            timeout=30,
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
            check_same_thread=False,
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def run_write(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `work(tx)` in one write transaction. On SQLite the whole of it runs on the database
        thread in a single hop (`work` must await only its transaction); on PostgreSQL it is an
        ordinary transaction on a pooled connection."""
        if self.dialect == "postgres":
            async with self.write() as tx:
                return await work(tx)
        async with self._write_lock:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._run_inline, work)

    def _run_inline(self, work):
        connection = self._inline
        assert connection is not None, "Database.start() was not called"
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = _drive(work(_InlineTx("sqlite", connection)))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    async def fetchrow(self, sql: str, *args):
        """One single-statement read, outside any explicit transaction (a statement is atomic on its own)."""
        if self.dialect == "postgres":
            async with self._pool.acquire() as connection:
                return await connection.fetchrow(_to_pg(sql), *args)
        readers = self._readers
        assert readers is not None, "Database.start() was not called"
        connection = await readers.get()
        try:
            rows = await connection.execute_fetchall(sql, args)
        finally:
            readers.put_nowait(connection)
        return next(iter(rows), None)  # the first row, if any

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """A write transaction: `BEGIN IMMEDIATE` on SQLite (one writer per process, then the file lock)."""
        if self.dialect == "postgres":
            async with self._pool.acquire() as connection, connection.transaction():
                yield Tx("postgres", connection)
            return
        async with self._write_lock:
            connection = self._writer
            assert connection is not None, "Database.start() was not called"
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx("sqlite", connection)
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
            await connection.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A consistent read: one snapshot for every query inside."""
        if self.dialect == "postgres":
            async with self._pool.acquire() as connection, connection.transaction(isolation="repeatable_read", readonly=True):
                yield Tx("postgres", connection)
            return
        readers = self._readers
        assert readers is not None, "Database.start() was not called"
        connection = await readers.get()
        try:
            await connection.execute("BEGIN")
            try:
                yield Tx("sqlite", connection)
            finally:
                await connection.execute("COMMIT")
        finally:
            readers.put_nowait(connection)


@overload
def stored_time(value: None) -> None: ...
@overload
def stored_time(value: dt.datetime | str) -> dt.datetime: ...
def stored_time(value: dt.datetime | str | None) -> dt.datetime | None:
    """A stored timestamp as an aware UTC datetime: SQLite hands back naive values (stored in UTC) or
    text, PostgreSQL aware ones. None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
