"""GET /api/ready (readiness probe) and GET /metrics (Prometheus scrape)."""

from __future__ import annotations

import hmac
import os

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from msgspec import Struct

from server.accounts.security import authenticate
from server.errors import responses
from server.ops import metrics

METRICS_TOKEN_ENV = "SHIPSHAPE_METRICS_TOKEN"


class ReadyOut(Struct):
    status: str  # "ready" | "not_ready"
    checks: dict[str, str]  # each check: "ok", or why not
    not_ready: list[str] = []  # the checks that failed


class OpsController(Controller):
    tags = ["operations"]

    @get(
        "/api/ready",
        exclude_from_auth=True,
        responses={503: ResponseSpec(data_container=ReadyOut, description="Not ready: `not_ready` names what is not")},
    )
    async def ready(self, state: State) -> Response[ReadyOut]:
        """Readiness for a load balancer or orchestrator: the database answers, every migration ran, the
        background workers started. 200 when all hold, else 503 naming what does not. No token needed."""
        checks = await state.readiness.check()
        failing = [name for name, result in checks.items() if result != "ok"]
        body = ReadyOut("not_ready" if failing else "ready", checks, failing)
        return Response(body, status_code=503 if failing else 200, headers={"Cache-Control": "no-store"})

    @get(
        "/metrics",
        exclude_from_auth=True,
        media_type=metrics.CONTENT_TYPE,
        responses=responses(401, 403),
        description="Prometheus metrics (text exposition format 0.0.4) of every server process. "
        "Authenticate with an admin's bearer token or the scrape token set in SHIPSHAPE_METRICS_TOKEN.",
    )
    async def metrics(self, request: Request, state: State) -> Response[bytes]:
        """Prometheus scrape: admins and the configured scrape token only."""
        await _scraper_allowed(request)
        metrics.sample_process(state.db.pool_sizes())
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


async def _scraper_allowed(request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    configured = os.environ.get(METRICS_TOKEN_ENV, "")
    if configured and scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), configured.encode()):
        return
    if not token:
        raise NotAuthorizedException("missing bearer token: an admin's token or the scrape token (SHIPSHAPE_METRICS_TOKEN)")
    user = (await authenticate(request)).user
    if user.role != "admin":
        raise PermissionDeniedException(f"role {user.role!r} may not read metrics; needs admin or the scrape token")
