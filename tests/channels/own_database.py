"""A database of a test module's own, for server processes whose background work must not meet
another server's: the session's live server (tests/conftest.py) shares the session database and
runs a stock feed too, which would take part in sending — with its own retry timings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tests import session_db
from tests.support import reset_database, run_cli


@contextmanager
def own_database() -> Iterator[None]:
    """A new, migrated database that DATABASE_URL names meanwhile (for this process's helpers and the
    server processes started inside), dropped afterwards."""
    database = session_db.create(os.environ[session_db.CONFIGURED_URL_ENV])
    before = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = database.url
    try:
        # In a process of its own: Piccolo read DATABASE_URL once, when this one imported it.
        migrated = run_cli("migrate")
        assert migrated.returncode == 0, migrated.stderr
        reset_database()
        yield
    finally:
        os.environ["DATABASE_URL"] = before
        session_db.drop(database)
