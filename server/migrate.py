"""Bring a database to the latest schema with Piccolo's migrations (never `create_table` at run time)."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from dataclasses import dataclass

from server.settings import DatabaseConfig


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """What a migration run did: the migrations it ran now, of all those this version knows."""

    ran: tuple[str, ...]
    total: int

    def describe(self) -> str:
        if not self.ran:
            return f"database is up to date ({self.total} migrations, none to run)"
        return f"database migrated: ran {len(self.ran)} of {self.total} migrations, now up to date"


async def _already_ran() -> set[str]:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists().run():
        return set()
    return set(await Migration.get_migrations_which_ran(app_name="shipshape"))


async def migrate(config: DatabaseConfig) -> MigrationReport:
    if config.dialect == "sqlite":
        # WAL is a property of the file: set once, it persists for every later connection.
        with sqlite3.connect(config.path) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
    from piccolo.apps.migrations.commands.forwards import run_forwards

    before = await _already_ran()
    # Piccolo prints its progress on stdout (and counts every migration as "already complete" on a
    # fresh database): commands whose stdout is their output report the run themselves instead.
    with contextlib.redirect_stdout(io.StringIO()) as chatter:
        result = await run_forwards("shipshape")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{chatter.getvalue()}")
    after = await _already_ran()
    return MigrationReport(ran=tuple(sorted(after - before)), total=len(after))
