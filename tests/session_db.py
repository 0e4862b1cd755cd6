"""The test session's own database: created when the session starts, dropped when it ends.

DATABASE_URL only says which engine to test on (and, for PostgreSQL, which server and credentials):
the database it names is never written to. On PostgreSQL the suite connects to it just to run
`CREATE DATABASE shipshape_test_<pid>_<random>` and, at the end, `DROP DATABASE` of that name (and of
the databases a test derived from it, named `<that name>_…`), so any number of sessions can share one
server. On SQLite (DATABASE_URL unset or `sqlite:///…`) the session gets a new file in a temporary
folder, removed at the end; a named file is never opened.

Imports nothing from `server`: it runs before `server.piccolo_conf` reads DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

# What DATABASE_URL said before the session replaced it with its own database ("" when unset).
CONFIGURED_URL_ENV = "SHIPSHAPE_TEST_CONFIGURED_URL"
NAME_PREFIX = "shipshape_test_"


@dataclass(frozen=True)
class SessionDatabase:
    configured_url: str  # DATABASE_URL as given: only ever connected to (PostgreSQL), never changed
    url: str  # the session's own database, which the tests and their server processes use
    name: str  # its database name (PostgreSQL) or file path (SQLite)

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("sqlite:") else "postgres"


def _is_postgres(url: str) -> bool:
    return urlparse(url).scheme in {"postgres", "postgresql", "postgresql+asyncpg"}


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _admin(configured_url: str, *statements: tuple[str, ...]) -> list:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(configured_url))
    try:
        results = []
        for sql, *args in statements:
            results.append(
                await connection.fetch(sql, *args) if sql.startswith("SELECT") else await connection.execute(sql, *args)
            )
        return results
    finally:
        await connection.close()


def create(configured_url: str) -> SessionDatabase:
    """A new, empty database for this session, on the engine (and server) `configured_url` names."""
    if _is_postgres(configured_url):
        name = f"{NAME_PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
        asyncio.run(_admin(configured_url, (f'CREATE DATABASE "{name}"',)))
        url = urlparse(configured_url)._replace(path="/" + name).geturl()
        return SessionDatabase(configured_url, url, name)
    folder = Path(tempfile.mkdtemp(prefix="shipshape-test-"))
    path = folder / "test.db"
    return SessionDatabase(configured_url, f"sqlite:///{path}", str(path))


def drop(database: SessionDatabase) -> None:
    """Drop the session's database (and every `<name>_…` database a test made from it), or its folder."""
    if database.dialect == "sqlite":
        shutil.rmtree(Path(database.name).parent, ignore_errors=True)
        return
    [rows] = asyncio.run(
        _admin(
            database.configured_url,
            ("SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')", database.name),
        )
    )
    # WITH (FORCE): a server process a failed test left running must not keep the database alive.
    asyncio.run(_admin(database.configured_url, *((f'DROP DATABASE IF EXISTS "{r[0]}" WITH (FORCE)',) for r in rows)))


def exists(configured_url: str, name: str) -> bool:
    """Whether a database of that name is on the server `configured_url` points at."""
    [rows] = asyncio.run(_admin(configured_url, ("SELECT 1 FROM pg_database WHERE datname = $1", name)))
    return bool(rows)
