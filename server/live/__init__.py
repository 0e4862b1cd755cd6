"""The live floor: what a supervisor's phone sees change within seconds of a committed op.

commit (server.apply.runner) → `publish` (pg_notify on PostgreSQL) → every process's `watch` (a LISTEN
connection, or a poll of the ledger on SQLite) → `HUB` → each open `/api/floor/stream` → the phone.
"""

from .hub import HUB, Hub
from .publish import announce_after_commit, notify_in_transaction

__all__ = ["HUB", "Hub", "announce_after_commit", "notify_in_transaction"]
