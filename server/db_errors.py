"""What a failure to reach or open the database means, in one line an operator can act on."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

from server.settings import DatabaseConfig


def _where(config: DatabaseConfig) -> str:
    parts = urlsplit(config.dsn)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}"


def _database_name(config: DatabaseConfig) -> str:
    return urlsplit(config.dsn).path.lstrip("/") or "(default)"


def explain(error: BaseException, config: DatabaseConfig) -> str | None:
    """One line saying what is wrong and what to do, or None when `error` is not a database-access failure."""
    seen: BaseException | None = error
    while seen is not None:  # a library may have wrapped the driver's error
        if (line := _explain_one(seen, config)) is not None:
            return line
        seen = seen.__cause__ or seen.__context__
    return None


def _explain_one(error: BaseException, config: DatabaseConfig) -> str | None:
    if config.dialect == "sqlite":
        if isinstance(error, sqlite3.OperationalError) and "unable to open database file" in str(error):
            return (
                f"cannot open the SQLite file {config.path}: its folder does not exist or is not writable. "
                "Create the folder, or set DATABASE_URL=sqlite:////a/writable/path.db"
            )
        if isinstance(error, sqlite3.DatabaseError) and "file is not a database" in str(error):
            return f"{config.path} is not a SQLite database: point DATABASE_URL at another file"
        if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
            return f"the SQLite file {config.path} is read-only: make it writable, or point DATABASE_URL elsewhere"
        if isinstance(error, sqlite3.OperationalError) and "no such table" in str(error):
            return f"{config.path} has no Shipshape schema: run `shipshape migrate` first"
        return None
    import asyncpg

    if isinstance(error, asyncpg.InvalidCatalogNameError):
        name = _database_name(config)
        return f"PostgreSQL at {_where(config)} has no database {name!r}: create it (createdb {name}) or fix DATABASE_URL"
    if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL at {_where(config)} refused the login ({error}): check the user and password in DATABASE_URL"
    if isinstance(error, asyncpg.UndefinedTableError):
        return f"database {_database_name(config)!r} has no Shipshape schema: run `shipshape migrate` first"
    if isinstance(error, OSError | asyncpg.CannotConnectNowError):
        if isinstance(error, ConnectionRefusedError):
            reason = "connection refused"
        elif isinstance(error, TimeoutError):
            reason = "timed out"
        else:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return (
            f"cannot reach PostgreSQL at {_where(config)} ({reason}): is it running, and is DATABASE_URL's host and port right?"
        )
    return None


def unavailable(error: BaseException) -> bool:
    """Whether `error` (or an error it wraps) says the database is out of reach for now — PostgreSQL
    restarting or shutting down, a connection cut mid-request, a refused or timed-out connect, SQLite's
    write lock held past the busy timeout — rather than that the request or the code is wrong. Such a
    request is answered 503 with Retry-After: the client retries it and it goes through once the
    database is back (a device's push is applied exactly once however often it is sent)."""
    import asyncpg

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(
            seen,
            ConnectionError  # refused, reset, broken pipe
            | TimeoutError  # a connect that never completed
            | asyncpg.PostgresConnectionError  # the connection is gone (ConnectionDoesNotExistError …)
            | asyncpg.CannotConnectNowError  # starting up or shutting down
            | asyncpg.AdminShutdownError  # a fast or immediate shutdown cut the session
            | asyncpg.CrashShutdownError
            # What asyncpg raises on a connection its server end is tearing down mid-protocol.
            | asyncpg.exceptions.InternalClientError,
        ):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "connection is closed" in str(seen):
            return True
        if isinstance(seen, sqlite3.OperationalError) and str(seen) in ("database is locked", "database is busy"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
