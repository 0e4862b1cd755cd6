"""Headers every response carries, errors included: the security headers, and `no-store` on the API.

They are added as the response starts to leave (a `before_send` hook on the whole app), not by a
route or a middleware: a 404 for a path no route knows, a 405, a 401 from the auth middleware, a
413, a validation error and a 500 pass no route handler, but every one of them is sent.
"""

from __future__ import annotations

from litestar.types import Message, Scope

# No inline script or style anywhere: the shell loads everything from /static.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",  # frame-ancestors for browsers that predate it
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(self), geolocation=(self), microphone=()",
}
# API answers carry customer names, addresses and stock: no browser or proxy cache may keep them.
NO_STORE = "no-store"
# As they go on the wire: the message's header list is edited directly (Litestar's header wrapper
# cost about 25 microseconds a response, on every request).
_SECURITY_RAW = tuple((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items())
_CACHE_CONTROL = b"cache-control"


async def add_response_headers(message: Message, scope: Scope) -> None:
    """Put the security headers on every response start, and `Cache-Control: no-store` on /api/*."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or ())
    present = {bytes(name).lower() for name, _ in headers}
    headers += [pair for pair in _SECURITY_RAW if pair[0] not in present]
    if scope.get("path", "").startswith("/api/"):
        if _CACHE_CONTROL in present:
            headers = [pair for pair in headers if bytes(pair[0]).lower() != _CACHE_CONTROL]
        headers.append((_CACHE_CONTROL, NO_STORE.encode()))
    message["headers"] = headers
