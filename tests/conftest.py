"""Test set-up: one database per run (DATABASE_URL, or a temporary SQLite file), migrated once,
emptied before each test that asks for it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

if not os.environ.get("DATABASE_URL"):
    _tmp = Path(tempfile.mkdtemp(prefix="shipshape-test-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp / 'test.db'}"
# Tests log in often from one address; the rate-limit test builds its own app with a low limit.
os.environ.setdefault("SHIPSHAPE_LOGIN_RATE_LIMIT", "100000")

from tests import support  # noqa: E402  (after DATABASE_URL is settled)


def _drop_everything() -> None:
    import asyncio

    import asyncpg

    config = support.db_config()

    async def drop():
        connection = await asyncpg.connect(config.dsn)
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()

    asyncio.run(drop())


@pytest.fixture(scope="session", autouse=True)
def migrated() -> None:
    """Start every run from an empty database brought up by the real migrations."""
    import asyncio

    from server.migrate import migrate

    config = support.db_config()
    if config.dialect == "postgres":
        _drop_everything()
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(config.path + suffix).unlink(missing_ok=True)
    asyncio.run(migrate(config))


@pytest.fixture
def clean_db() -> None:
    support.reset_database()


@pytest.fixture
def app(clean_db):
    from server.app import create_app

    return create_app()


@pytest.fixture
def client(app):
    from litestar.testing import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(client) -> dict[str, str]:
    """Auth headers of an admin user."""
    password = support.create_user("root", "admin")
    return support.login(client, "root", password)


@pytest.fixture(scope="session")
def live_server():
    server = support.LiveServer()
    yield server
    server.stop()
