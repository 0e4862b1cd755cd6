"""Sales channels: their names, kinds and webhook secrets (master data; not engine ops)."""

from __future__ import annotations

import secrets

from server.channels.schemas import ChannelIn, ChannelOut, ChannelUpdate
from server.db import Database, Tx
from server.errors import DomainError

_SQL = "SELECT code, name, kind, active, webhook_secret FROM channel"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hint(secret: str | None) -> str | None:
    """The last four characters, after an ellipsis: which secret, not the secret."""
    return None if not secret else "\u2026" + secret[-4:]


def _out(row, shown: str | None = None) -> ChannelOut:
    return ChannelOut(row["code"], row["name"], row["kind"], bool(row["active"]), secret_hint(row["webhook_secret"]), shown)


async def list_channels(db: Database) -> list[ChannelOut]:
    async with db.read() as tx:
        return [_out(r) for r in await tx.fetch(_SQL + " ORDER BY code")]


async def create_channel(db: Database, data: ChannelIn) -> ChannelOut:
    """A new channel with its webhook secret (made here unless given), shown in full this once."""
    secret = data.webhook_secret or new_secret()
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM channel WHERE code = ?", data.code) is not None:
            raise DomainError("duplicate_channel", f"a channel {data.code!r} exists", field="code", status=409)
        await tx.execute(
            "INSERT INTO channel (code, name, kind, webhook_secret, active) VALUES (?, ?, ?, ?, ?)",
            data.code,
            data.name,
            data.kind,
            secret,
            True,
        )
        return _out(await _row(tx, data.code), shown=secret)


async def update_channel(db: Database, code: str, data: ChannelUpdate) -> ChannelOut:
    """Rename, change the kind, (de)activate, or rotate the secret (the new one is shown once)."""
    changes: dict[str, object] = {
        name: getattr(data, name) for name in ("name", "kind", "active") if getattr(data, name) is not None
    }
    shown = data.webhook_secret or (new_secret() if data.rotate_secret else None)
    if shown is not None:
        changes["webhook_secret"] = shown
    async with db.write() as tx:
        await _row(tx, code)
        if changes:
            await tx.execute(
                f"UPDATE channel SET {', '.join(f'{name} = ?' for name in changes)} WHERE code = ?", *changes.values(), code
            )
        return _out(await _row(tx, code), shown=shown)


async def _row(tx: Tx, code: str):
    row = await tx.fetchrow(_SQL + " WHERE code = ?", code)
    if row is None:
        raise DomainError("unknown_channel", f"no channel {code!r}", field="code", status=404)
    return row
