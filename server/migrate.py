"""Bring a database to the latest schema with Piccolo's migrations (never `create_table` at run time)."""

from __future__ import annotations

import sqlite3

from server.settings import DatabaseConfig


async def migrate(config: DatabaseConfig) -> None:
    if config.dialect == "sqlite":
        # WAL is a property of the file: set once, it persists for every later connection.
        with sqlite3.connect(config.path) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("shipshape")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
