"""Every HTTP request measured (Prometheus) and, unless it is a probe or a scrape, logged as one line.

Wraps the whole ASGI handler, so requests that match no route (404, 405) are seen too. The line never
holds a query string, a header or a body (tokens travel in those); paths that carry a secret of their
own (a customer's tracking token) are logged by their route template only."""

from __future__ import annotations

import logging
import time
from typing import Any

from server.accounts.throttle import client_address
from server.ops import metrics
from server.ops.logs import event

log = logging.getLogger("shipshape.access")
# Probes and scrapes come every few seconds: counted, never logged.
QUIET_PATHS = frozenset({"/api/health", "/api/ready", "/metrics"})
# Route templates whose concrete path is a secret (a tracking link opens an order's status to anyone holding it).
SECRET_PATHS = ("/track/",)
UNMATCHED = "<unmatched>"


class RequestObserver:
    """ASGI middleware: status, route template and duration of each HTTP request."""

    def __init__(self, app: Any, *, access_log: bool, trusted_proxies: tuple = ()) -> None:
        self.app = app
        self.access_log = access_log
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def observed_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Any, status: int, seconds: float) -> None:
        method = scope.get("method", "")
        route = scope.get("path_template") or UNMATCHED
        metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
        metrics.HTTP_DURATION.labels(method, route, str(status)).observe(seconds)
        path = scope.get("path", "")
        if not self.access_log or path in QUIET_PATHS:
            return
        if route.startswith(SECRET_PATHS):
            path = route
        fields: dict[str, Any] = {
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": self._client(scope),
        }
        user = scope.get("user")
        if user is not None and getattr(user, "username", None):
            fields["user"] = user.username
        level = logging.WARNING if status >= 500 else logging.INFO
        event(log, level, f"{method} {path} {status}", **fields)

    def _client(self, scope: Any) -> str:
        peer = scope.get("client")
        forwarded = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")
                break
        return client_address(peer[0] if peer else None, forwarded, self.trusted_proxies)
