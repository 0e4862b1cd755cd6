"""Sales channels: their names, kinds, webhook secrets, stock-feed tokens and stock webhooks
(master data; not engine ops)."""

from __future__ import annotations

import secrets

from server.accounts.security import new_token
from server.channels.schemas import ChannelIn, ChannelOut, ChannelUpdate, StockDeliveryFailure, StockWebhookState
from server.db import Database, Tx, stored_time
from server.errors import DomainError

_SQL = "SELECT id, code, name, kind, active, webhook_secret, api_token_hash, stock_webhook_url FROM channel"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hint(secret: str | None) -> str | None:
    """The last four characters, after an ellipsis: which secret, not the secret."""
    return None if not secret else "\u2026" + secret[-4:]


async def _webhook_state(tx: Tx, row) -> StockWebhookState | None:
    """How the channel's stock deliveries stand: pending, failed, the last success and the last failure."""
    if not row["stock_webhook_url"]:
        return None
    counts = {
        r[0]: r[1]
        for r in await tx.fetch("SELECT status, COUNT(*) FROM stock_delivery WHERE channel = ? GROUP BY status", row["id"])
    }
    delivered = await tx.fetchval(
        "SELECT MAX(finished_at) FROM stock_delivery WHERE channel = ? AND status = 'delivered'", row["id"]
    )
    failure = await tx.fetchrow(
        "SELECT delivery_id, attempts, last_error, finished_at FROM stock_delivery WHERE channel = ? AND status = 'failed' "
        "ORDER BY id DESC LIMIT 1",
        row["id"],
    )
    return StockWebhookState(
        pending=counts.get("pending", 0),
        failed=counts.get("failed", 0),
        last_delivered_at=stored_time(delivered),
        last_failure=None
        if failure is None
        else StockDeliveryFailure(failure[0], failure[1], failure[2], stored_time(failure[3])),
    )


async def _out(tx: Tx, row, shown: str | None = None, token: str | None = None) -> ChannelOut:
    return ChannelOut(
        row["code"],
        row["name"],
        row["kind"],
        bool(row["active"]),
        secret_hint(row["webhook_secret"]),
        shown,
        has_api_token=row["api_token_hash"] is not None,
        api_token=token,
        stock_webhook_url=row["stock_webhook_url"] or None,
        stock_webhook=await _webhook_state(tx, row),
    )


async def list_channels(db: Database) -> list[ChannelOut]:
    async with db.read() as tx:
        return [await _out(tx, r) for r in await tx.fetch(_SQL + " ORDER BY code")]


async def create_channel(db: Database, data: ChannelIn) -> ChannelOut:
    """A new channel with its webhook secret (made here unless given) and its stock-feed token,
    both shown in full this once."""
    secret = data.webhook_secret or new_secret()
    token, token_hash = new_token()
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM channel WHERE code = ?", data.code) is not None:
            raise DomainError("duplicate_channel", f"a channel {data.code!r} exists", field="code", status=409)
        await tx.execute(
            "INSERT INTO channel (code, name, kind, webhook_secret, active, api_token_hash, stock_webhook_url) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            data.code,
            data.name,
            data.kind,
            secret,
            True,
            token_hash,
            data.stock_webhook_url or None,
        )
        return await _out(tx, await _row(tx, data.code), shown=secret, token=token)


async def update_channel(db: Database, code: str, data: ChannelUpdate) -> ChannelOut:
    """Rename, change the kind, (de)activate, rotate the secret or the stock-feed token (the new one is
    shown once), set or clear the stock webhook's address."""
    changes: dict[str, object] = {
        name: getattr(data, name) for name in ("name", "kind", "active") if getattr(data, name) is not None
    }
    shown = data.webhook_secret or (new_secret() if data.rotate_secret else None)
    if shown is not None:
        changes["webhook_secret"] = shown
    token = None
    if data.rotate_api_token:
        token, changes["api_token_hash"] = new_token()
    if data.stock_webhook_url is not None:
        changes["stock_webhook_url"] = data.stock_webhook_url or None
    async with db.write() as tx:
        await _row(tx, code)
        if changes:
            await tx.execute(
                f"UPDATE channel SET {', '.join(f'{name} = ?' for name in changes)} WHERE code = ?", *changes.values(), code
            )
        return await _out(tx, await _row(tx, code), shown=shown, token=token)


async def _row(tx: Tx, code: str):
    row = await tx.fetchrow(_SQL + " WHERE code = ?", code)
    if row is None:
        raise DomainError("unknown_channel", f"no channel {code!r}", field="code", status=404)
    return row
