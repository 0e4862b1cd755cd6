"""The `shipshape` command fails in one line that says what to do, keeps its stdout for its output,
never creates a database to read it, and never replaces one without --force."""

from __future__ import annotations

import os
import pty
import select
import socket
import sqlite3
import sys
import time

import pytest

from tests.support import ROOT, db_config, free_port, run_cli


def _one_line_error(result) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unsupported_scheme_is_one_line(tmp_path):
    line = _one_line_error(run_cli("user", "list", env={"DATABASE_URL": "mysql://root@localhost/shop"}))
    assert "'mysql' is not supported" in line and "postgresql://" in line


def test_an_unwritable_sqlite_path_is_one_line(tmp_path):
    url = f"sqlite:///{tmp_path}/no/such/folder/shipshape.db"
    line = _one_line_error(run_cli("migrate", env={"DATABASE_URL": url}))
    assert "cannot open the SQLite file" in line and "folder" in line


def test_an_unreachable_postgresql_is_one_line():
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/shipshape"
    line = _one_line_error(run_cli("migrate", env={"DATABASE_URL": url}))
    assert "cannot reach PostgreSQL" in line and "connection refused" in line


def test_a_postgresql_database_that_does_not_exist_is_named():
    config = db_config()
    if config.dialect == "postgres":
        base = config.dsn.rsplit("/", 1)[0]
        line = _one_line_error(run_cli("migrate", env={"DATABASE_URL": f"{base}/shipshape_no_such_database"}))
    else:  # no server to ask on a SQLite run: the same driver error, explained
        import asyncpg

        from server.db_errors import explain
        from server.settings import DatabaseConfig

        line = (
            explain(
                asyncpg.InvalidCatalogNameError('database "shipshape_no_such_database" does not exist'),
                DatabaseConfig.from_url("postgresql://postgres@127.0.0.1/shipshape_no_such_database"),
            )
            or ""
        )
    assert "no database 'shipshape_no_such_database'" in line and "createdb" in line


def test_a_read_only_command_creates_no_database(tmp_path):
    path = tmp_path / "nothing-here.db"
    line = _one_line_error(run_cli("user", "list", env={"DATABASE_URL": f"sqlite:///{path}"}))
    assert "no database at" in line and "shipshape migrate" in line
    assert not path.exists()
    _one_line_error(run_cli("user", "disable", "ada", env={"DATABASE_URL": f"sqlite:///{path}"}))
    assert not path.exists()


def test_migration_output_is_sane_and_user_commands_keep_stdout_for_their_output(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    count = len(list((ROOT / "server" / "migrations").glob("shipshape_*.py")))
    first = run_cli("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"database migrated: ran {count} of {count} migrations, now up to date"
    assert "already complete" not in first.stdout + first.stderr
    again = run_cli("migrate", env=env)
    assert again.stdout.strip() == f"database is up to date ({count} migrations, none to run)"

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    added = run_cli("user", "add", "carla", "--role", "packer", "--password-stdin", env=env, input="packing-all-day\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added carla (packer)\n"  # the migration it ran is reported on stderr
    assert "migrated" in added.stderr
    listed = run_cli("user", "list", env=env)
    assert listed.stdout.split() == ["carla", "packer", "active"] and listed.stderr == ""


def test_a_port_in_use_suggests_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line_error(run_cli("serve", "--port", str(port), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}))
    assert f"port {port}" in line and "--port" in line


@pytest.mark.parametrize(
    "setting, value", [("SHIPSHAPE_PUBLIC_URL", "track.example.com"), ("SHIPSHAPE_TRUSTED_PROXIES", "10.0.0.1, proxy.local")]
)
def test_a_malformed_setting_stops_serve_in_one_line(tmp_path, setting, value):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", setting: value}
    line = _one_line_error(run_cli("serve", "--port", str(free_port()), env=env))
    assert setting in line


def test_the_password_comes_from_stdin_or_a_prompt_not_the_command_line(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}"}
    piped = run_cli("user", "add", "ada", "--role", "admin", "--password-stdin", env=env, input="quay-side-ledger\n")
    assert piped.returncode == 0, piped.stderr
    no_terminal = run_cli("user", "add", "bea", "--role", "admin", env=env, input="")
    assert "--password-stdin" in _one_line_error(no_terminal)

    # At a terminal, `user add` asks twice, without echo.
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command, on the new terminal
        os.chdir(ROOT)
        os.execve(
            sys.executable, [sys.executable, "-m", "server.cli", "user", "add", "cy", "--role", "picker"], {**os.environ, **env}
        )
    screen = b""
    answered_at = 0  # the screen length when we last answered
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the command exited and closed its terminal
            break
        if not chunk:
            break
        screen += chunk
        # "Password: " and then "Repeat for confirmation: ": answer each prompt as it appears.
        if screen.rstrip(b" ").endswith(b":") and len(screen) > answered_at:
            os.write(terminal, b"forklift-at-dawn\n")
            answered_at = len(screen)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert b"added cy (picker)" in screen and b"forklift-at-dawn" not in screen
    assert "cy" in run_cli("user", "list", env=env).stdout


@pytest.mark.parametrize("password", ["password1", "qwertyuiop", "carla1234", "carla", "Carla"])
def test_common_passwords_and_the_username_are_refused(tmp_path, password):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'weak.db'}"}
    line = _one_line_error(
        run_cli("user", "add", "carla", "--role", "packer", "--password-stdin", env=env, input=password + "\n")
    )
    assert "password" in line


def test_the_demo_never_replaces_a_database_without_force(tmp_path):
    path = tmp_path / "shipshape.db"
    env = {"DATABASE_URL": ""}
    assert run_cli("demo", "--db", str(path), "--no-serve", env=env).returncode == 0
    with sqlite3.connect(path) as db:
        db.execute("UPDATE app_user SET display_name = 'kept' WHERE username = 'ada'")
    refused = run_cli("demo", "--db", str(path), "--no-serve", env=env)
    line = _one_line_error(refused)
    assert "shipshape.db holds 5 users, 37 orders" in line and "--force" in line
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT display_name FROM app_user WHERE username = 'ada'").fetchone()[0] == "kept"
    replaced = run_cli("demo", "--db", str(path), "--no-serve", "--force", env=env)
    assert replaced.returncode == 0, replaced.stderr
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT display_name FROM app_user WHERE username = 'ada'").fetchone()[0] == "Ada"
