"""Passwords (Argon2), bearer tokens, the authentication middleware and role guards."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from sync.registry import ROLES, allowed_ops

__all__ = ["ROLES", "CurrentUser", "allowed_ops", "may_send", "requires"]
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a miss costs as long as a wrong password.
    Made on the first miss, not at import: an Argon2 hash costs a process start 0.1–0.9 s, and a
    server restarted after a crash should take requests again as soon as it can."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A bearer token and the hash we store for it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    username: str
    role: str
    display_name: str
    grants: frozenset[str] = frozenset()  # device op types an admin granted beyond the role
    revoked_device: str | None = None  # set only on a push from the revoked device this session ended with
    session_device: str | None = None  # the device this token is bound to (None until it registers or pushes)

    @property
    def allowed_ops(self) -> frozenset[str]:
        """The op types this user may send, by role and grants (the same registry the REST guards use)."""
        return allowed_ops(self.role, self.grants)


class SessionEnded(NotAuthorizedException):
    """A 401 with a machine code saying why the session ended (e.g. `device_revoked`)."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """`Authorization: Bearer <token>` → the active user it was issued to, or 401."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        return await authenticate(connection)


async def authenticate(connection: ASGIConnection) -> AuthenticationResult:
    """The user a request's bearer token belongs to, or NotAuthorizedException (for routes that take
    another kind of token too, such as /metrics and its scrape token)."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("missing bearer token: log in at POST /api/auth/login")
    db = connection.app.state.db
    # Looked up on every request, never cached: another process (a supervisor's revocation, the CLI
    # disabling a user) may have ended the session a moment ago.
    row = await db.lookup(
        "SELECT u.id, u.username, u.role, u.display_name, u.grants, t.expires_at, t.device_id, d.revoked_at AS device_revoked_at "
        "FROM auth_token t JOIN app_user u ON u.id = t.owner LEFT JOIN device d ON d.device_id = t.device_id "
        "WHERE t.token_hash = ? AND u.active = ?",
        token_hash(token),
        True,
    )
    if row is None or row["expires_at"] < dt.datetime.now(dt.UTC):
        raise NotAuthorizedException("token is invalid or expired: log in again")
    revoked_device = None
    if row["device_revoked_at"] is not None:
        # The session was used from a device a supervisor revoked: it ended with the device. Only
        # that device's pushes still get through, to leave its queued ops for a supervisor (403).
        if connection.scope["path"] != "/api/sync/push":
            raise SessionEnded("device_revoked", "this device was revoked: sign in again on a trusted phone")
        revoked_device = row["device_id"]
    grants = frozenset(g for g in (row["grants"] or "").split(",") if g)
    user = CurrentUser(row["id"], row["username"], row["role"], row["display_name"], grants, revoked_device, row["device_id"])
    return AuthenticationResult(user=user, auth=token)


def requires(*roles: str):
    """A Litestar guard: the current user must hold one of `roles`."""

    # A coroutine function: Litestar runs a plain-function guard in its thread pool, one thread hop
    # (and a wake-up of another thread) per request for a set lookup.
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user: CurrentUser = connection.user
        if user.role not in roles:
            raise PermissionDeniedException(f"role {user.role!r} may not do this; needs one of: {', '.join(roles)}")

    guard.roles = roles  # type: ignore[attr-defined]  # a function attribute, read by the role × route test and the docs
    return guard


def may_send(op_type: str):
    """A guard for a REST route that applies `op_type`: the roles its registration names (sync.registry),
    so REST and sync never disagree on what a role may do."""
    from sync.registry import spec_named

    spec = spec_named(op_type)
    if spec is None:
        raise LookupError(f"no registered op {op_type!r}")
    return requires(*(role for role in ROLES if role in spec.roles))


ANY_ROLE = requires(*ROLES)
STAFF = requires("supervisor", "admin")
ADMIN = requires("admin")
