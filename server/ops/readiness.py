"""Readiness: may a load balancer send this process traffic? (Liveness is /api/health: the process answers.)

Ready means: the database answers a real query within a second, every migration this version ships
has run on it, and this process's background workers (live floor watch, channel imports, stock feed,
metrics sampler) have started. Each check is cheap: one `SELECT`, and the migrations' list only until
it was once found complete."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from dataclasses import dataclass, field

from server.db import Database

DB_TIMEOUT_S = 1.0


def shipped_migrations() -> frozenset[str]:
    """The ids of the migrations in server/migrations (what `shipshape migrate` would run)."""
    import server.migrations as package

    ids = set()
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("shipshape_"):
            ids.add(importlib.import_module(f"{package.__name__}.{module.name}").ID)
    return frozenset(ids)


@dataclass
class Readiness:
    db: Database
    workers_started: bool = False
    _migrations_ok: bool = False
    _shipped: frozenset[str] = field(default_factory=shipped_migrations)

    async def check(self) -> dict[str, str]:
        """{"database": "ok" | why not, "migrations": …, "workers": …}."""
        checks = {"database": await self._database()}
        checks["migrations"] = (
            await self._migrations() if checks["database"] == "ok" else "unknown: the database is not answering"
        )
        checks["workers"] = "ok" if self.workers_started else "not started"
        return checks

    async def _database(self) -> str:
        try:
            value = await asyncio.wait_for(self.db.fetchrow("SELECT 1 AS one"), DB_TIMEOUT_S)
        except TimeoutError:
            return f"no answer within {DB_TIMEOUT_S:g} s"
        except Exception as error:  # any failure to answer is "not ready", said in a line
            return f"{type(error).__name__}: {str(error)[:200]}"
        return "ok" if value is not None and value["one"] == 1 else "unexpected answer"

    async def _migrations(self) -> str:
        if self._migrations_ok:
            return "ok"
        try:
            rows = await asyncio.wait_for(
                _fetch_all(self.db, "SELECT name FROM migration WHERE app_name = 'shipshape'"), DB_TIMEOUT_S
            )
        except Exception as error:
            return f"{type(error).__name__}: {str(error)[:200]}"
        missing = self._shipped - {r["name"] for r in rows}
        if missing:
            return f"{len(missing)} not applied (run `shipshape migrate`): {', '.join(sorted(missing))}"
        self._migrations_ok = True
        return "ok"


async def _fetch_all(db: Database, sql: str) -> list:
    async with db.read() as tx:
        return await tx.fetch(sql)
