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

from server import tasks
from server.settings import DatabaseConfig

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

# Piccolo registers an INTEGER converter (through Decimal) for values stored as 1.0; with it, sqlite3
# formats every integer it reads as text and hands the bytes to the converter. Integer affinity
# already stores such values as integers, so INTEGER columns are read natively: about 40% off
# the sync path's wide reads (order lines, pick tasks, orders).
sqlite3.converters.pop("INTEGER", None)


# Piccolo's timestamp and boolean converters go through a bytes-or-str wrapper, and its datetime
# adapter converts every aware value to UTC, already-UTC ones included. These produce the same values
# and the same stored text (str(datetime) is isoformat(" ")) at a fraction of the cost: the sync
# path reads and writes tens of thousands of them per drain.
def _timestamptz_out(value: bytes) -> dt.datetime:
    return dt.datetime.fromisoformat(value.decode()).replace(tzinfo=dt.UTC)


def _boolean_out(value: bytes) -> bool:
    return value == b"1"


# A batch writes its one `now` thousands of times, between rows' own times (a ledger row has the device's
# clock next to it): the last two values adapted, with their texts (one tuple, swapped whole, so threads
# adapting at once never pair a value with another's text).
_last_datetimes: tuple[dt.datetime | None, str, dt.datetime | None, str] = (None, "", None, "")


def _datetime_in(value: dt.datetime) -> str:
    global _last_datetimes
    last = _last_datetimes
    if value is last[0]:  # the same (immutable) object: the same text
        return last[1]
    if value is last[2]:
        _last_datetimes = (value, last[3], last[0], last[1])
        return last[3]
    text = (value.astimezone(dt.UTC) if value.tzinfo is not None and value.tzinfo is not dt.UTC else value).isoformat(" ")
    _last_datetimes = (value, text, last[0], last[1])
    return text


sqlite3.register_converter("TIMESTAMPTZ", _timestamptz_out)
sqlite3.register_converter("BOOLEAN", _boolean_out)
sqlite3.register_adapter(dt.datetime, _datetime_in)

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
        self._on_thread = 0  # run_write jobs submitted to the database thread and not yet finished there
        self._readers: asyncio.Queue[aiosqlite.Connection] | None = None
        self._reader_count = 2
        self._executor: ThreadPoolExecutor | None = None
        self._inline: sqlite3.Connection | None = None
        self._lookup: sqlite3.Connection | None = None
        self._checkpointer: _Checkpointer | None = None

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
            self._lookup = self._sqlite_connect_lookup()
            self._checkpointer = _Checkpointer(self.config.path)
            self._checkpointer.start()

    def pool_sizes(self) -> list[tuple[str, int]]:
        """(state, connections) of this process's PostgreSQL pool, for the metrics; none on SQLite."""
        if self._pool is None:
            return []
        size, idle = self._pool.get_size(), self._pool.get_idle_size()
        return [("in_use", size - idle), ("idle", idle)]

    async def close(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.stop()
            self._checkpointer = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._lookup is not None:
            self._lookup.close()
            self._lookup = None
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
            timeout=_BUSY_TIMEOUT_MS / 1000,  # wait for another process's write lock instead of failing
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
        )
        connection.row_factory = sqlite3.Row
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute(f"PRAGMA wal_autocheckpoint = {_AUTOCHECKPOINT}")
        return connection

    def _sqlite_connect_inline(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.config.path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
            check_same_thread=False,
            # The engine's statements (a few dozen, `IN (…)` lists padded to a few lengths) stay prepared.
            cached_statements=512,
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute(f"PRAGMA wal_autocheckpoint = {_AUTOCHECKPOINT}")
        return connection

    def _sqlite_connect_lookup(self) -> sqlite3.Connection:
        # Used on the event loop's thread only, statement by statement (autocommit: it never holds a read
        # snapshot between calls). No busy wait: a reader of a WAL database is refused only in rare
        # moments (another process recovering the WAL), and then `lookup` asks a reader thread, which
        # may wait, instead of stalling the loop.
        connection = sqlite3.connect(
            self.config.path, timeout=0, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES, check_same_thread=False
        )
        connection.row_factory = sqlite3.Row
        return connection

    async def run_write(self, work: Callable[[Tx], Awaitable[T]], *, small: bool = False) -> T:
        """Run `work(tx)` in one write transaction. On SQLite the whole of it runs on the database
        thread in a single hop (`work` must await only its transaction); on PostgreSQL it is an
        ordinary transaction on a pooled connection.

        `small`: the caller knows the work is short (a phone's push of a few ops: about a millisecond).
        On SQLite it then runs right here on the event loop's thread, which saves the two thread hops
        that cost about a tenth of such a push - unless another process holds the file's write lock
        (the CLI, a second server), when it goes to the database thread and waits there as usual."""
        if self.dialect == "postgres":
            async with self.write() as tx:
                return await work(tx)
        async with self._write_lock:
            # A write cancelled while on the database thread gives the lock back before that thread is
            # done with the connection: the next one is queued behind it on that thread, never inline.
            if small and not self._on_thread and self._begin_now():
                return self._run_begun(work)
            loop = asyncio.get_running_loop()
            assert self._executor is not None, "Database.start() was not called"
            self._on_thread += 1
            job = self._executor.submit(self._run_inline, work)
            job.add_done_callback(lambda _: loop.call_soon_threadsafe(self._left_thread))
            return await asyncio.wrap_future(job)

    def _left_thread(self) -> None:
        self._on_thread -= 1

    def _begin_now(self) -> bool:
        """BEGIN IMMEDIATE without waiting: False when another connection holds the write lock."""
        connection = self._inline
        assert connection is not None, "Database.start() was not called"
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            return False
        finally:
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        return True

    def _run_inline(self, work):
        connection = self._inline
        assert connection is not None, "Database.start() was not called"
        connection.execute("BEGIN IMMEDIATE")
        return self._run_begun(work)

    def _run_begun(self, work):
        connection = self._inline
        assert connection is not None
        try:
            result = _drive(work(_InlineTx("sqlite", connection)))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        if self._checkpointer is not None:
            self._checkpointer.committed = True
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

    async def lookup(self, sql: str, *args):
        """`fetchrow` for a point read by key (a row or two through an index, such as a request's bearer
        token): on SQLite it runs right here on the event loop's thread, a few tens of microseconds,
        instead of a round trip to a reader thread and back (which costs more than the read, and more
        again on a busy machine). Each call is its own statement, so it sees every commit made before
        it, by any process. Anything that may scan belongs in `fetchrow`/`read`."""
        connection = self._lookup
        if connection is None:  # PostgreSQL (asyncpg is asynchronous already)
            return await self.fetchrow(sql, *args)
        try:
            rows = connection.execute(sql, args).fetchall()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return await self.fetchrow(sql, *args)
        return rows[0] if rows else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """A write transaction: `BEGIN IMMEDIATE` on SQLite (one writer per process, then the file lock)."""
        if self.dialect == "postgres":
            async with self._pool.acquire() as connection, connection.transaction():
                yield Tx("postgres", connection)
            return
        connection = self._writer
        assert connection is not None, "Database.start() was not called"
        await self._write_lock.acquire()
        finished = handed_over = False
        try:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx("sqlite", connection)
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
            await connection.execute("COMMIT")
            finished = True
            if self._checkpointer is not None:
                self._checkpointer.committed = True
        finally:
            if not finished:
                # Cut short (a cancelled request, a failed statement): a BEGIN, ROLLBACK or COMMIT may
                # still be queued on the connection's thread. A task of its own settles the connection
                # and only then lets the next writer in, even if this one is cancelled again meanwhile.
                settling = _keep(asyncio.get_running_loop().create_task(_settle(connection, self._write_lock.release)))
                handed_over = True
                await asyncio.shield(settling)
            if not handed_over:
                self._write_lock.release()

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
        finished = False
        try:
            await connection.execute("BEGIN")
            try:
                yield Tx("sqlite", connection)
            finally:
                await connection.execute("COMMIT")
            finished = True
        finally:
            if finished:
                readers.put_nowait(connection)
            else:
                # Cut short: the BEGIN (or COMMIT) may still run after this. The connection goes back to
                # the pool only once it is settled; a reader left inside a transaction would refuse every
                # later BEGIN ("cannot start a transaction within a transaction") and read a stale snapshot.
                _keep(asyncio.get_running_loop().create_task(_settle(connection, lambda: readers.put_nowait(connection))))


_SETTLING: set[asyncio.Task] = set()


def _keep(task: asyncio.Task) -> asyncio.Task:
    """Hold a reference to a task nobody awaits until it is done (the loop keeps only weak ones)."""
    _SETTLING.add(task)
    task.add_done_callback(_SETTLING.discard)
    return task


async def _settle(connection: aiosqlite.Connection, then: Callable[[], None]) -> None:
    """End whatever transaction a cut-short `read`/`write` left on `connection`, then call `then`.

    aiosqlite runs a connection's statements one after another on its thread, in the order they were
    asked for: the SELECT runs after every statement of the cut-short transaction, so what it leaves
    open is known, and rolled back."""
    try:
        await connection.execute("SELECT 1")
        if connection.in_transaction:
            await connection.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # a connection that cannot even roll back fails its next user loudly, not silently
    finally:
        then()


# Checkpoints (copying the WAL back into the database file, with an fsync of each) are taken off the
# request path: this process's connections checkpoint on their own only when the WAL is far beyond
# SQLite's default 1,000 pages (a safety net), and a background thread checkpoints shortly after
# commits instead. Durability is unchanged - with WAL and synchronous=NORMAL a commit is as durable
# before its checkpoint as after - but the commit that crossed 1,000 pages no longer waits for two
# fsyncs: that wait was most of a single-op push's p99 and a few ms of each 500-op push.
_AUTOCHECKPOINT = 20_000
_BUSY_TIMEOUT_MS = 30_000  # the writer waits this long for another process's write lock
CHECKPOINT_SECONDS = 0.2


class _Checkpointer:
    """A PASSIVE checkpoint on its own connection and thread, at most every CHECKPOINT_SECONDS while
    there are commits. PASSIVE never blocks a writer or a reader; what it cannot copy yet (a reader still
    needs it) waits for the next round."""

    def __init__(self, path: str):
        self.path = path
        self.committed = False  # set by the writer after each commit (a plain flag: the GIL orders it)
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._connection: sqlite3.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="shipshape-sqlite-checkpoint")

    async def stop(self) -> None:
        await tasks.cancel(self._task)
        self._task = None
        loop = asyncio.get_running_loop()
        if self._connection is not None:
            await loop.run_in_executor(self._executor, self._connection.close)
            self._connection = None
        self._executor.shutdown()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            if not self.committed:
                continue
            self.committed = False
            try:
                await loop.run_in_executor(self._executor, self._checkpoint)
            except sqlite3.Error:  # busy or locked: the next round tries again
                self.committed = True

    def _checkpoint(self) -> None:
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


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
