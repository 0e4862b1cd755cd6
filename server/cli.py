"""The `shipshape` command: serve, demo, migrate, and user administration.

DATABASE_URL selects the database for every command (`sqlite:///path.db` or `postgresql://…`);
unset means `shipshape.db` in the working directory.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

ROLES = ("picker", "packer", "driver", "supervisor", "admin")


def _settings():
    from server.settings import get_settings

    return get_settings()


def _migrate() -> None:
    from server.migrate import migrate

    asyncio.run(migrate(_settings().database))


async def _with_db(action):
    from server.db import Database

    db = Database(_settings().database)
    await db.start()
    try:
        return await action(db)
    finally:
        await db.close()


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "server.app:create_app", factory=True, host=host, port=port, workers=workers,
        log_level="warning", access_log=False,
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
    _migrate()
    click.echo(f"Shipshape on http://{host}:{port}/  (database: {_settings().database.dialect})")
    _serve(host, port, workers)


@main.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    _migrate()
    click.echo("database is up to date")


@main.command()
@click.option("--db", "db_path", default="shipshape-demo.db", show_default=True, help="SQLite file to (re)create")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--serve/--no-serve", default=True, show_default=True)
def demo(db_path: str, host: str, port: int, serve: bool) -> None:
    """Create a fresh SQLite database with a believable demo warehouse, print the logins, and serve."""
    path = Path(db_path).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    _migrate()
    from server.demo import DEMO_USERS, seed

    summary = asyncio.run(_with_db(seed))
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


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", required=True)
@click.option("--name", "display_name", default="")
def user_add(username: str, role: str, password: str, display_name: str) -> None:
    import msgspec

    from server.accounts.schemas import UserIn
    from server.accounts.service import create_user
    from sync.errors import Rejected

    try:
        data = msgspec.convert({"username": username, "role": role, "password": password, "display_name": display_name}, UserIn)
    except msgspec.ValidationError as error:
        raise click.ClickException(str(error)) from None
    _migrate()
    try:
        created = asyncio.run(_with_db(lambda db: create_user(db, data.username, data.role, data.password, data.display_name)))
    except Rejected as error:
        raise click.ClickException(error.message) from None
    click.echo(f"added {created.username} ({created.role})")


@user.command("list")
def user_list() -> None:
    from server.accounts.service import list_users

    _migrate()
    for u in asyncio.run(_with_db(list_users)):
        click.echo(f"{u.username:<20} {u.role:<10} {'active' if u.active else 'disabled'}")


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    from server.accounts.service import disable_user
    from sync.errors import Rejected

    _migrate()
    try:
        asyncio.run(_with_db(lambda db: disable_user(db, username)))
    except Rejected as error:
        raise click.ClickException(error.message) from None
    click.echo(f"disabled {username}")


if __name__ == "__main__":
    main()
