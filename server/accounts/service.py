"""Users and devices: creating, listing, disabling, revoking (master data; not engine ops)."""

from __future__ import annotations

import datetime as dt
import uuid

from server.accounts.passwords import password_problem
from server.accounts.schemas import DeviceOut, GrantsOut, LoginOut, UserOut
from server.accounts.security import hash_password, new_token, verify_password
from server.db import Database
from server.errors import DomainError
from sync import registry


async def login(db: Database, username: str, password: str, ttl_hours: int) -> LoginOut | None:
    async with db.read() as tx:
        row = await tx.fetchrow(
            "SELECT id, username, role, display_name, password_hash FROM app_user WHERE username = ? AND active = ?",
            username,
            True,
        )
    if not verify_password(row["password_hash"] if row else None, password):
        return None
    token, hashed = new_token()
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(hours=ttl_hours)
    async with db.write() as tx:
        await tx.execute("DELETE FROM auth_token WHERE owner = ? AND expires_at < ?", row["id"], now)
        await tx.execute(
            "INSERT INTO auth_token (token_hash, owner, created_at, expires_at) VALUES (?, ?, ?, ?)",
            hashed,
            row["id"],
            now,
            expires,
        )
    user = UserOut(row["id"], row["username"], row["role"], row["display_name"])
    return LoginOut(access_token=token, token_type="bearer", expires_at=expires, user=user)


async def logout(db: Database, token_hash: str) -> None:
    async with db.write() as tx:
        await tx.execute("DELETE FROM auth_token WHERE token_hash = ?", token_hash)


async def create_user(db: Database, username: str, role: str, password: str, display_name: str = "") -> UserOut:
    if (problem := password_problem(password, username)) is not None:
        raise DomainError("weak_password", problem, field="password", status=400)
    hashed = hash_password(password)
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM app_user WHERE username = ?", username) is not None:
            raise DomainError("duplicate_username", f"user {username!r} already exists", field="username", status=409)
        await tx.execute(
            "INSERT INTO app_user (username, display_name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            username,
            display_name or username,
            role,
            hashed,
            True,
            dt.datetime.now(dt.UTC),
        )
        user_id = await tx.fetchval("SELECT id FROM app_user WHERE username = ?", username)
    return UserOut(user_id, username, role, display_name or username)


async def list_users(db: Database) -> list[UserOut]:
    async with db.read() as tx:
        rows = await tx.fetch("SELECT id, username, role, display_name, active FROM app_user ORDER BY username")
    return [UserOut(r["id"], r["username"], r["role"], r["display_name"], bool(r["active"])) for r in rows]


async def disable_user(db: Database, username: str) -> UserOut:
    async with db.write() as tx:
        row = await tx.fetchrow("SELECT id, username, role, display_name FROM app_user WHERE username = ?", username)
        if row is None:
            raise DomainError("unknown_user", f"no user {username!r}", field="username", status=404)
        await tx.execute("UPDATE app_user SET active = ? WHERE id = ?", False, row["id"])
        await tx.execute("DELETE FROM auth_token WHERE owner = ?", row["id"])
    return UserOut(row["id"], row["username"], row["role"], row["display_name"], False)


async def enable_user(db: Database, username: str) -> UserOut:
    """Let a disabled user sign in again (their old sessions stay ended)."""
    async with db.write() as tx:
        row = await _user_row(tx, username)
        await tx.execute("UPDATE app_user SET active = ? WHERE id = ?", True, row["id"])
    return UserOut(row["id"], row["username"], row["role"], row["display_name"], True)


async def reset_password(db: Database, username: str, password: str) -> UserOut:
    """Give a user a new password (the same policy as at creation); every session they had ends."""
    if (problem := password_problem(password, username)) is not None:
        raise DomainError("weak_password", problem, field="password", status=400)
    hashed = hash_password(password)
    async with db.write() as tx:
        row = await _user_row(tx, username)
        await tx.execute("UPDATE app_user SET password_hash = ? WHERE id = ?", hashed, row["id"])
        await tx.execute("DELETE FROM auth_token WHERE owner = ?", row["id"])
    return UserOut(row["id"], row["username"], row["role"], row["display_name"], bool(row["active"]))


async def change_role(db: Database, username: str, role: str) -> UserOut:
    """Give a user another role; their sessions end, so the next sign-in gets the new role's screens.
    The last active admin cannot stop being one (409): nobody could set anything up any more."""
    async with db.write() as tx:
        if tx.dialect == "postgres":
            # Two admins demoting each other at once must not both succeed: lock the admins, in id order.
            await tx.execute("SELECT id FROM app_user WHERE role = 'admin' ORDER BY id FOR UPDATE")
        row = await _user_row(tx, username)
        if row["role"] == "admin" and role != "admin" and row["active"]:
            admins = await tx.fetchval("SELECT COUNT(*) FROM app_user WHERE role = ? AND active = ?", "admin", True)
            if admins <= 1:
                raise DomainError(
                    "last_admin", f"{username} is the last active admin: make another admin first", field="role", status=409
                )
        if row["role"] != role:
            await tx.execute("UPDATE app_user SET role = ? WHERE id = ?", role, row["id"])
            await tx.execute("DELETE FROM auth_token WHERE owner = ?", row["id"])
    return UserOut(row["id"], row["username"], role, row["display_name"], bool(row["active"]))


async def _user_row(tx, username: str):
    row = await tx.fetchrow("SELECT id, username, role, display_name, active FROM app_user WHERE username = ?", username)
    if row is None:
        raise DomainError("unknown_user", f"no user {username!r}", field="username", status=404)
    return row


async def set_grants(db: Database, username: str, ops: list[str]) -> GrantsOut:
    """Grant device op types beyond the user's role (floor staff who receive or count); replaces earlier grants."""
    grantable = sorted(registry.grantable())
    for i, name in enumerate(ops):
        if name not in grantable:
            raise DomainError(
                "not_grantable",
                f"{name!r} is not a device op that can be granted; one of: {', '.join(grantable)}",
                field=f"ops[{i}]",
                status=422,
            )
    granted = sorted(set(ops))
    async with db.write() as tx:
        row = await tx.fetchrow("SELECT id, role FROM app_user WHERE username = ?", username)
        if row is None:
            raise DomainError("unknown_user", f"no user {username!r}", field="username", status=404)
        await tx.execute("UPDATE app_user SET grants = ? WHERE id = ?", ",".join(granted), row["id"])
    return GrantsOut(username, row["role"], granted, sorted(registry.allowed_ops(row["role"], granted)))


_DEVICE_SQL = (
    "SELECT d.device_id, d.name, u.username, d.registered_at, d.revoked_at, d.last_seq "
    "FROM device d JOIN app_user u ON u.id = d.owner"
)


def _device(r) -> DeviceOut:
    return DeviceOut(r["device_id"], r["name"], r["username"], r["registered_at"], r["revoked_at"], r["last_seq"])


async def register_device(db: Database, owner_id: int, name: str, token_hash: str | None = None) -> DeviceOut:
    """A new device for `owner_id`; the token that registered it is from then on that device's session."""
    device_id = str(uuid.uuid4())
    async with db.write() as tx:
        await tx.execute(
            "INSERT INTO device (device_id, owner, name, last_seq, registered_at) VALUES (?, ?, ?, ?, ?)",
            device_id,
            owner_id,
            name,
            0,
            dt.datetime.now(dt.UTC),
        )
        if token_hash is not None:
            await tx.execute("UPDATE auth_token SET device_id = ? WHERE token_hash = ?", device_id, token_hash)
        row = await tx.fetchrow(_DEVICE_SQL + " WHERE d.device_id = ?", device_id)
    return _device(row)


async def list_devices(db: Database, owner_id: int | None) -> list[DeviceOut]:
    async with db.read() as tx:
        if owner_id is None:
            rows = await tx.fetch(_DEVICE_SQL + " ORDER BY d.registered_at")
        else:
            rows = await tx.fetch(_DEVICE_SQL + " WHERE d.owner = ? ORDER BY d.registered_at", owner_id)
    return [_device(r) for r in rows]


async def revoke_device(db: Database, device_id: str, by_user: int) -> DeviceOut:
    async with db.write() as tx:
        row = await tx.fetchrow(_DEVICE_SQL + " WHERE d.device_id = ?", device_id)
        if row is None:
            raise DomainError("unknown_device", f"no device {device_id!r}", field="device_id", status=404)
        if row["revoked_at"] is None:
            await tx.execute(
                "UPDATE device SET revoked_at = ?, revoked_by = ? WHERE device_id = ?",
                dt.datetime.now(dt.UTC),
                by_user,
                device_id,
            )
        # Every session used from the device ends with it (the tokens bound to it answer 401
        # device_revoked from now on): its holder signs in again on a trusted phone.
        row = await tx.fetchrow(_DEVICE_SQL + " WHERE d.device_id = ?", device_id)
    return _device(row)
