"""Stock back to every channel: available-to-promise per SKU, pulled by storefronts or pushed to them.

Available-to-promise (ATP) of a SKU = units on hand minus units reserved, summed over the pickable
bins (`sync.allocation.PICKABLE_KINDS`) of the site; 0 for a product no longer sold. Staging,
docks, returns, drop-ship lines and purchase orders on their way are not counted: only what intake
could reserve right now.

How changes are found, without a cost on the sync path: while some active channel has a stock-feed
token or a stock webhook, every process's `StockFeed` looks at the ledger's end once a second (one indexed MAX). When it moved, ATP is recomputed in a read
transaction and compared with `stock_level` (the last value seen per SKU); only when something
differs is a short write transaction taken, which re-checks those SKUs, stores the new values with
their time, and queues a delivery for every channel with a stock webhook. A channel has at most one
delivery pending at a time, holding what differs from `channel_stock_sent` (what it last
acknowledged), so values reach it in order and a retried delivery is never overtaken by a newer one.
Deliveries are claimed with a conditional UPDATE (SKIP LOCKED on PostgreSQL), so any number of
processes share the work, and are retried with exponential backoff until `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import Sequence

import httpx

from server import tasks
from server.apply import positions
from server.db import Database, Tx, in_list, stored_time
from sync.allocation import PICKABLE_KINDS

log = logging.getLogger("shipshape.stock_feed")

POLL_SECONDS = float(os.environ.get("SHIPSHAPE_STOCK_FEED_POLL_SECONDS", "1"))
BACKOFF_SECONDS = float(os.environ.get("SHIPSHAPE_STOCK_WEBHOOK_BACKOFF_SECONDS", "5"))  # doubles per attempt
MAX_BACKOFF_SECONDS = 3600.0
MAX_ATTEMPTS = int(os.environ.get("SHIPSHAPE_STOCK_WEBHOOK_MAX_ATTEMPTS", "8"))
TIMEOUT_SECONDS = 10.0
# After a delivery is given up on, the channel is tried again once stock changes, or after this.
RETRY_FAILED_AFTER = dt.timedelta(minutes=10)
MAX_ITEMS = 500  # SKUs per delivery
FULL_CHECK_SECONDS = 30.0  # recompute and requeue now and then even when nothing seemed to move
SIGNATURE_HEADER = "X-Shipshape-Hmac-Sha256"
DELIVERY_HEADER = "X-Shipshape-Delivery-Id"
TOPIC_HEADER = "X-Shipshape-Topic"
_FEED_LOCK = 7_441_023  # PostgreSQL advisory lock: one level refresh or queueing at a time
_CHUNK = 500


def sign(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, body)): what `X-Shipshape-Hmac-Sha256` carries."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _atp_sql(products: Sequence[int] | None) -> str:
    kinds = ", ".join(f"'{k}'" for k in sorted(PICKABLE_KINDS))
    where = f" WHERE p.id IN {in_list(products)}" if products else ""
    return (
        "SELECT p.id, p.sku, p.active, COALESCE(SUM(s.on_hand - s.reserved), 0) AS available FROM product p "
        "LEFT JOIN stock s ON s.product = p.id AND s.location IN "
        f"(SELECT id FROM location WHERE warehouse = ? AND kind IN ({kinds})){where} GROUP BY p.id, p.sku, p.active"
    )


async def available_to_promise(tx: Tx, products: Sequence[int] | None = None) -> dict[int, tuple[str, int]]:
    """{product id: (sku, ATP)} for every product (or those named), computed from stock now."""
    warehouse = await tx.fetchval("SELECT id FROM warehouse ORDER BY id LIMIT 1")
    result: dict[int, tuple[str, int]] = {}
    chunks = [list(products[i : i + _CHUNK]) for i in range(0, len(products), _CHUNK)] if products else [None]
    for chunk in chunks:
        for r in await tx.fetch(_atp_sql(chunk), warehouse, *(chunk or ())):
            result[r["id"]] = (r["sku"], max(0, int(r["available"])) if r["active"] else 0)
    return result


async def _stored(tx: Tx, products: Sequence[int] | None = None) -> dict[int, tuple[int, dt.datetime]]:
    sql = "SELECT product, available, updated_at FROM stock_level"
    if not products:
        return {r[0]: (r[1], stored_time(r[2])) for r in await tx.fetch(sql)}
    stored: dict[int, tuple[int, dt.datetime]] = {}
    for i in range(0, len(products), _CHUNK):
        chunk = list(products[i : i + _CHUNK])
        for r in await tx.fetch(sql + f" WHERE product IN {in_list(chunk)}", *chunk):
            stored[r[0]] = (r[1], stored_time(r[2]))
    return stored


async def levels(db: Database, skus: Sequence[str] = (), since: dt.datetime | None = None) -> list[tuple[str, int, dt.datetime]]:
    """(sku, ATP, when it last changed) per product — the named SKUs, or all; with `since`, only those
    changed after it. Computed from stock at the moment of asking: a change the feed has not noticed
    yet shows with the time of the answer."""
    now = dt.datetime.now(dt.UTC)
    async with db.read() as tx:
        products: list[int] | None = None
        if skus:
            products = []
            for i in range(0, len(skus), _CHUNK):
                chunk = list(skus[i : i + _CHUNK])
                products += [r[0] for r in await tx.fetch(f"SELECT id FROM product WHERE sku IN {in_list(chunk)}", *chunk)]
            if not products:
                return []
        live = await available_to_promise(tx, products)
        stored = await _stored(tx, products)
    out = []
    for product, (sku, available) in live.items():
        seen = stored.get(product)
        changed = seen[1] if seen is not None and seen[0] == available else now
        if since is None or changed > since:
            out.append((sku, available, changed))
    out.sort()
    return out


class StockFeed:
    """One per process: keeps `stock_level` current and sends channels their changed levels."""

    def __init__(self, db: Database, poll_seconds: float | None = None):
        self.db = db
        self.poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
        self._task: asyncio.Task | None = None
        self._client: httpx.AsyncClient | None = None
        self._ledger_end: int | None = None
        self._webhooks: tuple = ()
        self._last_full = 0.0
        self._requeue = True

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        self._task = asyncio.create_task(self._run_forever(), name="shipshape-stock-feed")

    async def stop(self) -> None:
        await tasks.cancel(self._task)
        self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run_forever(self) -> None:
        failures = 0
        while True:
            try:
                await self.tick()
                failures = 0
            except Exception:
                failures += 1
                log.warning("stock feed: a round failed; trying again", exc_info=True)
            await asyncio.sleep(self.poll_seconds * min(2**failures, 30))

    async def tick(self) -> None:
        """One round: notice stock changes, queue deliveries, send the due ones."""
        full = time.monotonic() - self._last_full > FULL_CHECK_SECONDS
        if full:
            self._last_full = time.monotonic()
        feeds = await self._fetch(
            "SELECT id, stock_webhook_url, api_token_hash FROM channel WHERE active = ? "
            "AND (api_token_hash IS NOT NULL OR (stock_webhook_url IS NOT NULL AND stock_webhook_url <> '')) ORDER BY id",
            True,
        )
        if not feeds:
            # No channel reads or receives stock (e.g. only the built-in manual channel): nothing to keep.
            self._ledger_end = None
            return
        # Where the ledger is complete up to (on PostgreSQL ids do not follow commit order: a late commit
        # below MAX(id) would go unnoticed until the next full check).
        end = await positions.end(self.db)
        if end is None:
            end = (await self.db.fetchrow("SELECT COALESCE(MAX(id), 0) FROM ledger"))[0]
        if end != self._ledger_end or full:
            self._ledger_end = end
            if await self.refresh_levels():
                self._requeue = True
        webhooks = tuple((r[0], r[1]) for r in feeds if r[1])
        if webhooks != self._webhooks or full:
            self._webhooks = webhooks
            self._requeue = True
        if webhooks and self._requeue:
            self._requeue = False
            await self.queue_deliveries([channel for channel, _ in webhooks])
        if webhooks:
            await self.deliver_due()

    async def _fetch(self, sql: str, *args) -> list:
        async with self.db.read() as tx:
            return await tx.fetch(sql, *args)

    async def _locked(self, tx: Tx) -> None:
        if tx.dialect == "postgres":
            await tx.execute("SELECT pg_advisory_xact_lock(?)", _FEED_LOCK)

    async def refresh_levels(self) -> int:
        """Store the ATP of every SKU whose value changed since last seen; how many changed."""
        async with self.db.read() as tx:
            live = await available_to_promise(tx)
            stored = await _stored(tx)
        differ = [p for p, (_, available) in live.items() if stored.get(p, (None,))[0] != available]
        if not differ:
            return 0
        changed = 0
        async with self.db.write() as tx:
            await self._locked(tx)
            # Again under the lock, for just those SKUs: another process may have stored them meanwhile.
            live = await available_to_promise(tx, differ)
            stored = await _stored(tx, differ)
            now = dt.datetime.now(dt.UTC)
            rows = [(p, available, now) for p, (_, available) in live.items() if stored.get(p, (None,))[0] != available]
            await tx.executemany(
                "INSERT INTO stock_level (product, available, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (product) DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at",
                rows,
            )
            changed = len(rows)
        return changed

    async def queue_deliveries(self, channels: Sequence[int]) -> int:
        """For each channel without a delivery pending: one holding the levels it was not yet sent."""
        queued = 0
        now = dt.datetime.now(dt.UTC)
        async with self.db.write() as tx:
            await self._locked(tx)
            for channel in channels:
                if await tx.fetchval("SELECT id FROM stock_delivery WHERE channel = ? AND status = 'pending' LIMIT 1", channel):
                    continue
                failed_at = stored_time(
                    await tx.fetchval(
                        "SELECT MAX(finished_at) FROM stock_delivery WHERE channel = ? AND status = 'failed'", channel
                    )
                )
                newest = stored_time(await tx.fetchval("SELECT MAX(updated_at) FROM stock_level"))
                if failed_at is not None and now - failed_at < RETRY_FAILED_AFTER and (newest is None or newest <= failed_at):
                    continue  # given up on lately, and nothing changed since: no hammering a dead endpoint
                rows = await tx.fetch(
                    "SELECT p.sku, l.available, l.updated_at FROM stock_level l JOIN product p ON p.id = l.product "
                    "LEFT JOIN channel_stock_sent s ON s.channel = ? AND s.product = l.product "
                    "WHERE s.id IS NULL OR s.available <> l.available ORDER BY l.updated_at, l.product LIMIT ?",
                    channel,
                    MAX_ITEMS,
                )
                if not rows:
                    continue
                code = await tx.fetchval("SELECT code FROM channel WHERE id = ?", channel)
                delivery_id = str(uuid.uuid4())
                body = {
                    "channel": code,
                    "delivery_id": delivery_id,
                    "levels": [
                        {"sku": r[0], "available": r[1], "updated_at": stored_time(r[2]).isoformat().replace("+00:00", "Z")}
                        for r in rows
                    ],
                }
                await tx.execute(
                    "INSERT INTO stock_delivery (channel, delivery_id, body, items, status, attempts, next_at, created_at) "
                    "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
                    channel,
                    delivery_id,
                    json.dumps(body, separators=(",", ":")),
                    len(rows),
                    now,
                    now,
                )
                queued += 1
        return queued

    async def _claim(self) -> list:
        now = dt.datetime.now(dt.UTC)
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgres" else ""
        async with self.db.write() as tx:
            return await tx.fetch(
                "UPDATE stock_delivery SET claimed_until = ?, attempts = attempts + 1 WHERE id IN ("
                "SELECT id FROM stock_delivery WHERE status = 'pending' AND next_at <= ? "
                f"AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id LIMIT 20{skip_locked}) "
                "AND (claimed_until IS NULL OR claimed_until < ?) "
                "RETURNING id, channel, delivery_id, body, attempts",
                now + dt.timedelta(seconds=TIMEOUT_SECONDS * 3),
                now,
                now,
                now,
            )

    async def deliver_due(self) -> int:
        """Send every delivery that is due (claimed first, so no two processes send the same one)."""
        claimed = await self._claim()
        if claimed:
            await asyncio.gather(*(self._deliver(r) for r in claimed))
            self._requeue = True  # a channel may have more to send once this one is through
        return len(claimed)

    async def _deliver(self, delivery) -> None:
        async with self.db.read() as tx:
            channel = await tx.fetchrow("SELECT stock_webhook_url, webhook_secret FROM channel WHERE id = ?", delivery["channel"])
        body = delivery["body"].encode()
        error = ""
        if channel is None or not channel["stock_webhook_url"]:
            error = "the channel's stock webhook was switched off"
        else:
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(channel["webhook_secret"] or "", body),
                DELIVERY_HEADER: delivery["delivery_id"],
                TOPIC_HEADER: "stock/levels",
                "User-Agent": "Shipshape-Stock-Feed/1",
            }
            try:
                assert self._client is not None, "StockFeed.start() was not called"
                response = await self._client.post(channel["stock_webhook_url"], content=body, headers=headers)
                if not 200 <= response.status_code < 300:
                    error = f"answered {response.status_code}"
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}"[:500] or type(failure).__name__
        await self._record(delivery, error)

    async def _record(self, delivery, error: str) -> None:
        now = dt.datetime.now(dt.UTC)
        async with self.db.write() as tx:
            if not error:
                await tx.execute(
                    "UPDATE stock_delivery SET status = 'delivered', finished_at = ?, claimed_until = NULL, last_error = '' WHERE id = ?",
                    now,
                    delivery["id"],
                )
                sent = json.loads(delivery["body"])["levels"]
                skus = [item["sku"] for item in sent]
                ids = {r[1]: r[0] for r in await tx.fetch(f"SELECT id, sku FROM product WHERE sku IN {in_list(skus)}", *skus)}
                await tx.executemany(
                    "INSERT INTO channel_stock_sent (channel, product, available, sent_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (channel, product) DO UPDATE SET available = excluded.available, sent_at = excluded.sent_at",
                    [(delivery["channel"], ids[item["sku"]], item["available"], now) for item in sent if item["sku"] in ids],
                )
            elif delivery["attempts"] >= MAX_ATTEMPTS:
                log.warning(
                    "stock delivery %s given up after %s attempts: %s", delivery["delivery_id"], delivery["attempts"], error
                )
                await tx.execute(
                    "UPDATE stock_delivery SET status = 'failed', finished_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?",
                    now,
                    error,
                    delivery["id"],
                )
            else:
                wait = min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2 ** (delivery["attempts"] - 1))
                await tx.execute(
                    "UPDATE stock_delivery SET next_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?",
                    now + dt.timedelta(seconds=wait),
                    error,
                    delivery["id"],
                )
