"""The suite never touches the database DATABASE_URL names: each session makes its own and drops it."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from server.settings import DatabaseConfig
from tests import session_db, support
from tests.sync.guarantees.harness import RawDB

# A quick test that migrates the session's database and empties it (clean_db), as every session does.
_NESTED_TEST = "tests/test_migrations.py::test_migrations_ran_from_empty_and_are_recorded"


def _nested_session(database_url: str) -> str:
    """Run a small pytest session pointed at `database_url`; the name of the database it used."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop(session_db.CONFIGURED_URL_ENV, None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", _NESTED_TEST],
        cwd=support.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _database_of(nested_output: str) -> str:
    found = re.search(r"^test database: (\S+) ", nested_output, re.MULTILINE)
    assert found, "the session does not say which database it made"
    return found[1]


def test_this_session_uses_a_database_of_its_own():
    configured = os.environ[session_db.CONFIGURED_URL_ENV]
    ours = support.db_config()
    if ours.dialect == "postgres":
        name = urlparse(ours.dsn).path.lstrip("/")
        assert name.startswith(session_db.NAME_PREFIX) and name != urlparse(configured).path.lstrip("/")
        assert urlparse(ours.dsn).netloc == urlparse(configured).netloc, "same server, same credentials"
    else:
        assert Path(ours.path).is_relative_to(tempfile.gettempdir())
        assert not configured.startswith("sqlite:") or Path(ours.path) != Path(configured.removeprefix("sqlite:///")).resolve()


def test_a_session_pointed_at_a_database_leaves_it_as_it_was_and_drops_its_own(tmp_path):
    """A nested session is pointed at a database holding a table of someone's data: the table and its
    row are still there afterwards, and the database the session made for itself is gone."""
    ours = support.db_config()
    if ours.dialect == "postgres":
        # Named after this session's database, so that this session's end drops it whatever happens.
        guard_name = f"{urlparse(ours.dsn).path.lstrip('/')}_guard"
        admin = RawDB(ours)
        try:
            admin.execute(f'CREATE DATABASE "{guard_name}"')
        finally:
            admin.close()
        guard_url = urlparse(ours.dsn)._replace(path="/" + guard_name).geturl()
        guard = RawDB(DatabaseConfig.from_url(guard_url))
        try:
            guard.execute("CREATE TABLE someones_data (note text)")
            guard.execute("INSERT INTO someones_data VALUES ('keep me')")
        finally:
            guard.close()

        output = _nested_session(guard_url)

        guard = RawDB(DatabaseConfig.from_url(guard_url))
        try:
            assert guard.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'") == [
                ("someones_data",)
            ]
            assert guard.fetch("SELECT note FROM someones_data") == [("keep me",)]
        finally:
            guard.close()
        nested = _database_of(output)
        assert nested.startswith(session_db.NAME_PREFIX) and nested != guard_name
        assert not session_db.exists(guard_url, nested), "the nested session did not drop its database"
    else:
        named = tmp_path / "someones.db"
        with sqlite3.connect(named) as db:
            db.execute("CREATE TABLE someones_data (note text)")
            db.execute("INSERT INTO someones_data VALUES ('keep me')")
        db.close()
        before = named.read_bytes()

        output = _nested_session(f"sqlite:///{named}")

        assert named.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["someones.db"], "no -wal or -shm next to it either"
        nested = Path(_database_of(output))
        assert nested != named and not nested.parent.exists(), "the nested session did not remove its file"
