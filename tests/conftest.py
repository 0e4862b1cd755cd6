"""Test set-up: the session's own database (see tests/session_db.py: never the one DATABASE_URL
names), migrated once, emptied before each test that asks for it, dropped at the end."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests import session_db

# Settled before anything imports `server` (server.piccolo_conf reads DATABASE_URL at import), and
# in os.environ so that every server and CLI process a test starts uses the session's database too.
_SESSION_DB = session_db.create(os.environ.get("DATABASE_URL", ""))
os.environ[session_db.CONFIGURED_URL_ENV] = _SESSION_DB.configured_url
os.environ["DATABASE_URL"] = _SESSION_DB.url
# Tests log in often from one address; the rate-limit test builds its own app with a low limit.
os.environ.setdefault("SHIPSHAPE_LOGIN_RATE_LIMIT", "100000")
# Uploaded photos and signatures go to a folder of the session's own, never the repository or a real
# server's folder (on PostgreSQL the default is one in the working directory).
_ATTACHMENT_DIR = tempfile.mkdtemp(prefix="shipshape-test-attachments-")
os.environ["SHIPSHAPE_ATTACHMENT_DIR"] = _ATTACHMENT_DIR

from tests import support  # noqa: E402  (after DATABASE_URL is settled)


def pytest_report_header(config) -> str:
    return f"test database: {_SESSION_DB.name} ({_SESSION_DB.dialect}, created for this session, dropped at its end)"


def pytest_sessionfinish(session, exitstatus) -> None:
    session_db.drop(_SESSION_DB)
    shutil.rmtree(_ATTACHMENT_DIR, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def migrated() -> None:
    """Bring the session's new, empty database up with the real migrations."""
    import asyncio

    from server.migrate import migrate

    asyncio.run(migrate(support.db_config()))


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
