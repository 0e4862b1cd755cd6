"""Who may read a channel's stock feed: that channel's own token, or a supervisor's or admin's.

The feed route is left out of the bearer middleware (`exclude_from_auth`) because a storefront's
token is not a user's. A channel token is looked up first; anything else goes through the same
user check the middleware makes (expiry, a disabled user, a revoked device), so a user's session
means the same here as everywhere.
"""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from server.accounts.security import BearerAuthMiddleware, CurrentUser, token_hash
from server.db import Database

READERS = ("supervisor", "admin")  # users who may read any channel's feed


async def _no_app(scope, receive, send) -> None:  # the middleware below is used for its check only
    raise RuntimeError("not an application")


_USERS = BearerAuthMiddleware(app=_no_app)


async def check_feed_caller(request: Request, db: Database, code: str) -> None:
    """Return when the request's bearer token may read channel `code`'s feed; else 401 / 403."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException(
            "missing bearer token: send the channel's stock-feed token, or log in at POST /api/auth/login"
        )
    channel = await db.fetchrow("SELECT code, active FROM channel WHERE api_token_hash = ?", token_hash(token))
    if channel is not None:
        if channel["code"] != code:
            raise PermissionDeniedException(f"this token is channel {channel['code']!r}'s; it reads only that channel's feed")
        if not channel["active"]:
            raise PermissionDeniedException(f"channel {code!r} is switched off")
        return
    user: CurrentUser = (await _USERS.authenticate_request(request)).user
    if user.role not in READERS:
        raise PermissionDeniedException(f"role {user.role!r} may not do this; needs one of: {', '.join(READERS)}")
