"""The `shipshape` command: serve, demo, migrate, user administration, and a new sync epoch after a restore.

DATABASE_URL selects the database for every command (`sqlite:///path.db` or `postgresql://…`);
unset means `shipshape.db` in the working directory.

Output is for scripts: a command's result goes to stdout, and only there; progress (migrations)
goes to stderr; a failure is one line on stderr saying what is wrong and what to do, with a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sqlite3
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

ROLES = ("picker", "packer", "driver", "supervisor", "admin")


def _database():
    """The database DATABASE_URL names, or a one-line error if it names none we can use."""
    from server.settings import DatabaseConfig, DatabaseUrlError

    try:
        return DatabaseConfig.from_url(os.environ.get("DATABASE_URL"))
    except DatabaseUrlError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def _database_errors() -> Iterator[None]:
    """Turn a database that cannot be reached or opened into one line that says what to do."""
    from server.db_errors import explain

    try:
        yield
    except click.ClickException:
        raise
    except Exception as error:
        line = explain(error, _database())
        if line is None:
            raise
        raise click.ClickException(line) from None


def _migrate(*, quiet: bool = True) -> None:
    """Bring the database up to date; say so on stderr when a migration ran (unless asked to speak)."""
    from server.migrate import migrate

    with _database_errors(), warnings.catch_warnings():
        # Piccolo warns when it cannot read the server's version; the error that follows says why.
        warnings.simplefilter("ignore")
        report = asyncio.run(migrate(_database()))
    if report.ran or not quiet:
        click.echo(report.describe(), err=quiet)


def _require_existing_database() -> None:
    """Read-only commands open what is there: they never create a database file."""
    config = _database()
    if config.dialect == "sqlite" and not Path(config.path).is_file():
        raise click.ClickException(
            f"no database at {config.path}: run `shipshape migrate` to create one, or point DATABASE_URL at yours"
        )


def _with_db(action):
    from server.db import Database

    async def run():
        db = Database(_database())
        await db.start()
        try:
            return await action(db)
        finally:
            await db.close()

    with _database_errors():
        return asyncio.run(run())


def _check_settings() -> None:
    """A malformed setting (SHIPSHAPE_PUBLIC_URL, SHIPSHAPE_TRUSTED_PROXIES, SHIPSHAPE_LOG_FORMAT …) stops
    `serve` here, in one line, instead of in every worker's traceback."""
    from server.ops.logs import check_settings
    from server.settings import get_settings

    try:
        get_settings()
        check_settings()
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def _check_port_free(host: str, port: int) -> None:
    """Fail before anything else happens if the port is taken, naming the option that picks another."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"port {port} on {host} is already in use: pass --port {port + 1} (or another free port), "
                    "or stop what is using it"
                ) from None
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({error.strerror}): pass another --host or --port"
            ) from None


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from server.ops import metrics_dir
    from server.ops.logs import configure_logging

    # Every worker writes its metrics beside the others' (a scrape of any one reports them all): the
    # folder is set up here, before a worker imports prometheus_client, and emptied when serving ends.
    made_here = not os.environ.get(metrics_dir.ENV)
    folder = metrics_dir.prepare()
    configure_logging()  # the supervising process's own lines (a worker that died, a bind error)
    try:
        _run_uvicorn(uvicorn, host, port, workers)
    finally:
        metrics_dir.remove(folder, made_here)


def _run_uvicorn(uvicorn, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # Logging is ours (server/ops/logs.py: JSON lines or text on stderr, one access line per request).
        log_config=None,
        access_log=False,
        # The app decides which proxies' X-Forwarded-For to believe (SHIPSHAPE_TRUSTED_PROXIES);
        # uvicorn's own handling would believe any client on loopback.
        proxy_headers=False,
        # Live floor streams never end by themselves: on shutdown they get this long, then are closed.
        timeout_graceful_shutdown=3,
    )


@click.group()
def main() -> None:
    """Shipshape — order management for e-commerce warehouses."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Migrate the database, then serve the app."""
    _check_settings()
    _check_port_free(host, port)
    _migrate()
    click.echo(f"Shipshape on http://{host}:{port}/  (database: {_database().dialect})")
    _serve(host, port, workers)


@main.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    _migrate(quiet=False)


@main.command("new-epoch")
@click.option("--note", default="restored from a backup", show_default=True, help="why (kept with the epoch)")
def new_epoch(note: str) -> None:
    """Start a new sync epoch: run it after restoring a backup, before serving again.

    Every phone then re-pulls a full snapshot instead of a delta against the history the restore
    undid, and each phone's next push is accepted even though the restore lost ops the server had
    acknowledged (an exception tells a supervisor which). See docs/deploy.md."""
    from server.ops.epoch import begin_new_epoch

    _require_existing_database()
    _migrate()
    started = _with_db(lambda db: begin_new_epoch(db, note))
    click.echo(f"sync epoch {started.epoch} started (epoch #{started.id}): devices will re-pull a full snapshot")
    if _database().dialect == "postgres":
        # A restore brings no planner statistics; until autovacuum gathers them every push batch would
        # read whole tables (docs/deploy.md, "Statistics").
        _with_db(_analyze)
        click.echo("planner statistics gathered (ANALYZE)")


async def _analyze(db) -> None:
    await db.fetchrow("ANALYZE")


def _what_it_holds(path: Path) -> str | None:
    """'3 users, 36 orders' for a Shipshape database with anything in it, '' for an empty one, None
    when the file is something else."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            users = connection.execute("SELECT COUNT(*) FROM app_user").fetchone()[0]
            orders = connection.execute("SELECT COUNT(*) FROM sales_order").fetchone()[0]
            products = connection.execute("SELECT COUNT(*) FROM product").fetchone()[0]
    except sqlite3.Error:
        return None
    if not (users or orders or products):
        return ""
    return f"{users} users, {orders} orders, {products} products"


def _refuse_to_replace(path: Path, force: bool) -> None:
    if force or not path.exists() or path.stat().st_size == 0:
        return
    held = _what_it_holds(path)
    if held == "":
        return  # migrated but empty: nothing to lose
    what = f"holds {held}" if held else "exists and is not an empty Shipshape database"
    raise click.ClickException(f"{path.name} {what}; the demo would replace it. Pass --force to replace it, or --db another.db")


@main.command()
@click.option("--db", "db_path", default="shipshape-demo.db", show_default=True, help="SQLite file to create")
@click.option("--force", is_flag=True, help="replace the file even if it already holds data")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--serve/--no-serve", default=True, show_default=True)
def demo(db_path: str, force: bool, host: str, port: int, serve: bool) -> None:
    """Create a fresh SQLite database with a believable demo warehouse, print the logins, and serve.

    An existing database with data in it is only replaced with --force."""
    path = Path(db_path).resolve()
    _refuse_to_replace(path, force)
    if serve:
        _check_port_free(host, port)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    # Tracking links on the demo's labels open this very server (unless told otherwise).
    os.environ.setdefault("SHIPSHAPE_PUBLIC_URL", f"http://{host}:{port}")
    _check_settings()
    _migrate()
    from server.demo import DEMO_USERS, seed

    summary = _with_db(seed)
    click.echo(f"Demo warehouse in {path}: {summary}")
    click.echo("Demo logins (username / password):")
    for username, role, password in DEMO_USERS:
        click.echo(f"  {role:<10} {username:<10} {password}")
    if serve:
        click.echo(f"Open http://{host}:{port}/ (a phone-sized window works best). Ctrl+C stops.")
        sys.stdout.flush()
        _serve(host, port, 1)


@main.group()
def user() -> None:
    """Add, list and disable users."""


def _read_password(password: str | None, from_stdin: bool) -> str:
    if password is not None and from_stdin:
        raise click.UsageError("give the password one way: --password-stdin or --password, not both")
    if password is not None:
        return password
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("--password-stdin: nothing on stdin (pipe the password in, one line)")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.ClickException("no password given: run in a terminal to be asked for it, or pipe it with --password-stdin")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", "password_stdin", is_flag=True, help="read the password from the first line of stdin")
@click.option(
    "--password",
    default=None,
    help="the password on the command line (other users can see it in the process list; prefer the prompt or --password-stdin)",
)
@click.option("--name", "display_name", default="")
def user_add(username: str, role: str, password_stdin: bool, password: str | None, display_name: str) -> None:
    """Add a user; asks for the password (twice) unless --password-stdin pipes it in."""
    import msgspec

    from server.accounts.passwords import password_problem
    from server.accounts.schemas import UserIn
    from server.accounts.service import create_user
    from sync.errors import Rejected

    secret = _read_password(password, password_stdin)
    try:
        data = msgspec.convert({"username": username, "role": role, "password": secret, "display_name": display_name}, UserIn)
    except msgspec.ValidationError as error:
        raise click.ClickException(str(error)) from None
    if (problem := password_problem(data.password, data.username)) is not None:
        raise click.ClickException(problem)  # before the database is touched
    _migrate()
    try:
        created = _with_db(lambda db: create_user(db, data.username, data.role, data.password, data.display_name))
    except Rejected as error:
        raise click.ClickException(error.message) from None
    click.echo(f"added {created.username} ({created.role})")


@user.command("list")
def user_list() -> None:
    """List users: name, role, active or disabled (never changes the database)."""
    from server.accounts.service import list_users

    _require_existing_database()
    for u in _with_db(list_users):
        click.echo(f"{u.username:<20} {u.role:<10} {'active' if u.active else 'disabled'}")


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable a user: their sessions end at once."""
    from server.accounts.service import disable_user
    from sync.errors import Rejected

    _require_existing_database()
    try:
        _with_db(lambda db: disable_user(db, username))
    except Rejected as error:
        raise click.ClickException(error.message) from None
    click.echo(f"disabled {username}")


if __name__ == "__main__":
    main()
