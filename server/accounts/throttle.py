"""The login rate limit: attempts counted per username and per client, in the database.

The counters live in the database, not in a process, so every server process behind the load
balancer sees the same count: two workers let no more guesses through than one. A client is its
TCP peer address; `X-Forwarded-For` is believed only when that peer is a configured proxy
(SHIPSHAPE_TRUSTED_PROXIES), so a client cannot reset its count by inventing a new address.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable

from server.db import Database
from server.settings import Network

WINDOW_SECONDS = 60

# Each SET expression sees the row as it was before this update, so both CASEs test the old window.
_COUNT = (
    "INSERT INTO login_attempt (subject, window_started, attempts) VALUES (?, ?, 1) "
    "ON CONFLICT (subject) DO UPDATE SET "
    "attempts = CASE WHEN login_attempt.window_started <= ? THEN 1 ELSE login_attempt.attempts + 1 END, "
    "window_started = CASE WHEN login_attempt.window_started <= ? THEN excluded.window_started "
    "ELSE login_attempt.window_started END "
    "RETURNING attempts, window_started"
)


def _trusted(address: str, proxies: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the nearest address in
    `X-Forwarded-For` that is not itself a trusted proxy (the left part of the header is the client's
    own claim and could be anything)."""
    address = peer or "unknown"
    if not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        address = hop
        if not _trusted(hop, proxies):
            break
    return address


async def count_attempt(db: Database, username: str, client: str, limit: int) -> int | None:
    """Count one login attempt for the username and for the client. None if both are within `limit`
    per window, else the seconds until the fuller one's window ends (for Retry-After)."""
    now = int(time.time())
    expired = now - WINDOW_SECONDS
    retry_after = None
    async with db.write() as tx:
        for subject in (f"user:{username.casefold()}", f"client:{client[:150]}"):
            row = await tx.fetchrow(_COUNT, subject, now, expired, expired)
            if row["attempts"] > limit:
                wait = max(1, math.ceil(row["window_started"] + WINDOW_SECONDS - now))
                retry_after = max(retry_after or 0, wait)
        # Windows long over are history: keep the table the size of the last few minutes.
        await tx.execute("DELETE FROM login_attempt WHERE window_started < ?", now - 10 * WINDOW_SECONDS)
    return retry_after


async def forget_user(db: Database, username: str) -> None:
    """A successful login clears the username's count (the client's stays)."""
    async with db.write() as tx:
        await tx.execute("DELETE FROM login_attempt WHERE subject = ?", f"user:{username.casefold()}")
