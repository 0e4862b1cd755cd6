"""Every error leaves as JSON naming what was wrong: `{error, message, field?, errors?}`.

Mapped once here, for the whole app: business rejections from the engine, request validation,
HTTP errors, and — never expected — anything else (logged, answered without internals).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ExceptionHandlersMap

from server.db_errors import unavailable
from sync.errors import Rejected

log = logging.getLogger("shipshape")

_MISSING = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")
_MSGSPEC_PATH = re.compile(r"\s*-\s*at `\$(?P<path>[^`]*)`$")


class DomainError(Rejected):
    """A shell-level business error (duplicate SKU, unknown user …) with the same shape as engine rejections.

    `extra` holds further fields of the error body a client acts on (e.g. `received` of a range mismatch)."""

    extra: dict[str, Any] = {}


def _body(error: str, message: str, field: str | None = None, errors: list | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error, "message": message}
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return body


def _field_of(path: str) -> str:
    return path.lstrip(".") or "body"


def rejected_handler(_: Request, exc: Rejected) -> Response:
    body = _body(exc.code, exc.message, exc.field) | getattr(exc, "extra", {})
    return Response(body, status_code=exc.status, media_type=MediaType.JSON)


def validation_handler(request: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra or []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        field = item.get("key")
        match = _MSGSPEC_PATH.search(message)
        if match:
            field = _field_of(match.group("path"))
            message = message[: match.start()]
        missing = _MISSING.search(message)
        if missing:
            field = f"{field}.{missing.group(1)}" if field and field != "body" else missing.group(1)
        errors.append({"field": field or "body", "rule": message, "source": item.get("source", "body")})
    if not errors:
        errors.append({"field": "body", "rule": exc.detail})
    first = errors[0]
    message = f"{first['field']}: {first['rule']}"
    return Response(
        _body("validation_failed", message, first["field"], errors), status_code=exc.status_code, media_type=MediaType.JSON
    )


def _public_detail(request: Request, exc: HTTPException) -> str:
    """The message to send: a static-file miss names the file system path it looked at, so it says
    only which URL has nothing behind it."""
    if isinstance(exc, NotFoundException) and exc.detail.startswith("no file or directory match"):
        return f"nothing at {request.url.path}"
    return exc.detail


def http_handler(request: Request, exc: HTTPException) -> Response:
    names = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        429: "too_many_requests",
    }
    return Response(
        _body(getattr(exc, "code", None) or names.get(exc.status_code, "http_error"), _public_detail(request, exc)),
        status_code=exc.status_code,
        headers=exc.headers,
        media_type=MediaType.JSON,
    )


class Busy(Exception):
    """The server could not finish the request now (a write lost its races too often); nothing was
    changed, and the same request may be sent again (a device re-sends its ops: each applies once)."""


def busy_handler(request: Request, exc: Busy) -> Response:
    log.warning("busy on %s %s: %s", request.method, request.url.path, exc)
    return Response(
        _body("busy", "the server is busy; nothing was changed. Send it again."),
        status_code=503,
        headers={"Retry-After": "1"},
        media_type=MediaType.JSON,
    )


def internal_handler(request: Request, exc: Exception) -> Response:
    if unavailable(exc):
        # The database is restarting or a connection was cut: a passing condition, not a bug. One line
        # per request (an outage of a few seconds under load is hundreds of them), and a 503 the PWA
        # and channels retry after Retry-After.
        log.warning("database unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return Response(
            _body("unavailable", "the database cannot be reached just now; retry in a moment"),
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
            media_type=MediaType.JSON,
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        _body("internal", "the server failed; nothing was changed. Try again."),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    Rejected: rejected_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    Busy: busy_handler,
    Exception: internal_handler,
}


class ErrorBody(msgspec.Struct):
    """The error shape, as documented in OpenAPI."""

    error: str
    message: str
    field: str | None = None
    errors: list[dict] | None = None


_DESCRIPTIONS = {
    400: "Malformed or invalid input; `field` names it, `errors[].rule` says what rule it broke",
    401: "No valid bearer token",
    403: "The user's role may not do this (or the device is revoked)",
    404: "Something named by the request does not exist",
    406: "The route answers only in a format the request did not accept (e.g. an event stream)",
    409: "The request conflicts with the current state (illegal transition, duplicate)",
    413: "Request too large",
    415: "The content is of a type this route does not take",
    422: "Valid shape but the values break a business rule",
    429: "Too many attempts; wait and retry",
    502: "A service we called (a carrier) answered with something unusable",
    503: "A service we called (a carrier) is not answering; retry later",
}


def responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI `responses` for the error status codes a route can return."""
    return {code: ResponseSpec(data_container=ErrorBody, description=_DESCRIPTIONS[code]) for code in codes}
