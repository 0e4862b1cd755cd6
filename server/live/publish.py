"""Telling every server process that the floor changed, from where the change commits.

On PostgreSQL the news is a `pg_notify` inside the writing transaction: PostgreSQL delivers it on
commit (never on rollback) to every process LISTENing (see `watch`), this one included. The process
that committed also tells its own hub at once, so its streams need not wait for the round trip.
"""

from __future__ import annotations

from server.db import Tx

from .hub import HUB

CHANNEL = "shipshape_ledger"


async def notify_in_transaction(tx: Tx, ledger_id: int | None) -> None:
    """Queue "the ledger advanced to `ledger_id`" (None: something outside the ledger changed) for commit."""
    if tx.dialect == "postgres":
        await tx.execute("SELECT pg_notify(?, ?)", CHANNEL, "" if ledger_id is None else str(ledger_id))
    # SQLite has no NOTIFY: other processes on the file see the ledger move by polling it (`watch`).


def announce_after_commit(ledger_id: int | None) -> None:
    """Wake this process's streams (call only once the transaction has committed)."""
    HUB.announce(ledger_id)
