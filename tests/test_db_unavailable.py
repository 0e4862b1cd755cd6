"""Which errors mean "the database is out of reach for now" (answered 503 + Retry-After, retried by
the client) rather than a bug (500): server.db_errors.unavailable. The faults that raise them for
real are in tests/concurrency/test_faults.py."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from server.db_errors import unavailable


def _wrapped(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 - the implicit __context__ is what is being tested
    except BaseException as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection is closed"),
        sqlite3.OperationalError("database is locked"),
        # A transaction's exit failing on a dead connection hides the cause; the cause still counts.
        _wrapped(RuntimeError("rollback failed"), asyncpg.AdminShutdownError("terminating connection")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_lost_or_refused_connection_is_unavailable(error):
    assert unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad value"),
        KeyError("id"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        sqlite3.OperationalError("no such table: ledger"),
        FileNotFoundError(2, "No such file or directory"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_bug_or_bad_data_is_not(error):
    assert not unavailable(error)
