"""Schemathesis fuzzes every operation, with valid and invalid input, of the OpenAPI schema against a real server: never a 5xx,
and every response matches what the schema documents (its status code, content type and body)."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import create_user
from tests.warehouse import Warehouse


@pytest.fixture
def api_schema(live_server, clean_db):
    return schemathesis.openapi.from_url(live_server.url + "/schema/openapi.json")


@pytest.fixture
def fuzz_headers(live_server, api_schema) -> dict[str, str]:
    create_user("fuzzer", "admin", "fuzz-password")
    token = httpx.post(live_server.url + "/api/auth/login", json={"username": "fuzzer", "password": "fuzz-password"}).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    # A little real data, so ids and SKUs the fuzzer tries sometimes exist.
    with httpx.Client(base_url=live_server.url, headers=headers) as http:
        warehouse = Warehouse(http, None)
        warehouse.product("FZ-1", "Fuzz", ["5012345678900"])
        warehouse.location("F-01", 1)
        warehouse.stock("FZ-1", "F-01", 50, reason="seed")
        warehouse.order("FZ-ORDER", [("FZ-1", 1)])
    return headers


# A URL beyond this (in characters) may be refused by the HTTP server before the app: the fuzzer
# once sent 500 `sku` values of kilobytes each, a request line of ~150 KB.
_LONG_URL = 8192


def _content_type(response) -> str:
    """The response's Content-Type (schemathesis keeps each header as a list of values)."""
    for name, value in response.headers.items():
        if name.lower() == "content-type":
            return (value[0] if value else "") if isinstance(value, list) else value
    return ""


# Logging out or disabling users would only end the fuzzer's own session.
EXCLUDED = ("/api/auth/logout", "/api/users/{username}/disable")
# Each response against the schema: no 5xx, a documented status, the documented content type, and a
# body that validates against the documented schema of that status.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_no_input_makes_a_5xx(live_server, api_schema, fuzz_headers):
    checked = []
    operations = [(result.ok(), mode) for result in api_schema.get_all_operations() for mode in GenerationMode]
    for operation, mode in operations:
        if operation.path in EXCLUDED:
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case):
            response = case.call(base_url=live_server.url, headers=fuzz_headers)
            if len(response.request.url) > _LONG_URL and not _content_type(response).startswith("application/json"):
                # The HTTP server refused the request line itself (uvicorn's plain "Invalid HTTP request
                # received.", as nginx answers 414): the app never saw it. Still never a 5xx.
                assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
                return
            case.validate_response(response, checks=CHECKS)
            if response.status_code >= 400 and case.method != "HEAD":  # a HEAD answer has no body
                body = response.json()
                assert body.get("error") and body.get("message"), body

        no_server_error()
        checked.append(f"{operation.method.upper()} {operation.path} ({mode.value})")
    assert len(checked) >= 40, checked
