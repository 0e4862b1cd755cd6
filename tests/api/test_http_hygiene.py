"""Every response, errors included, carries the security headers; the API is never cached; a 404
names no server path; text leaves compressed."""

from __future__ import annotations

import pytest
from litestar import get

from tests.support import ROOT

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")

# (method, path, body, expected status): pages, files, the API, and each kind of error.
CASES = [
    ("GET", "/", None, 200),
    ("GET", "/static/app.js", None, 200),
    ("GET", "/static/app.css", None, 200),
    ("GET", "/manifest.json", None, 200),
    ("GET", "/sw.js", None, 200),
    ("GET", "/api/health", None, 200),
    ("GET", "/schema/openapi.json", None, 200),
    ("GET", "/no/such/page", None, 404),
    ("GET", "/static/no-such-file.js", None, 404),
    ("GET", "/static/icons", None, 404),
    ("GET", "/vendor/idb/no-such-file.js", None, 404),
    ("GET", "/api/orders/999999", "admin", 404),
    ("DELETE", "/api/health", None, 405),
    ("GET", "/api/orders", None, 401),
    ("GET", "/api/users", "picker", 403),
    ("POST", "/api/auth/login", {"username": 5}, 400),
    ("POST", "/api/auth/login", b"{not json", 400),
    ("POST", "/api/auth/login", b"x" * (11 * 1024 * 1024), 413),
    ("GET", "/boom", None, 500),
]


@get("/boom", exclude_from_auth=True, include_in_schema=False)
async def _boom() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def hygiene_client(clean_db):
    from litestar.testing import TestClient

    from server.app import create_app
    from tests.support import create_user, login

    app = create_app()
    app.register(_boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        create_user("root", "admin")
        create_user("pia", "picker")
        client.tokens = {"admin": login(client, "root", "root-password"), "picker": login(client, "pia", "pia-password")}
        yield client


def _send(client, method: str, path: str, body):
    headers = {"accept-encoding": "gzip"}
    if isinstance(body, str):  # a role: call as that user
        headers.update(client.tokens[body])
        body = None
    if isinstance(body, bytes):
        return client.request(method, path, content=body, headers={**headers, "content-type": "application/json"})
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("method, path, body, status", CASES, ids=[f"{c[0]} {c[1][:40]} → {c[3]}" for c in CASES])
def test_every_response_carries_the_security_headers(hygiene_client, method, path, body, status):
    response = _send(hygiene_client, method, path, body)
    assert response.status_code == status, response.text[:300]
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), f"{name} missing on {method} {path} ({status})"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    if path.startswith("/api/"):
        assert response.headers.get("cache-control") == "no-store", f"{method} {path} may be cached"


@pytest.mark.parametrize("path", ["/static/icons", "/static/no-such-file.js", "/vendor/idb/", "/vendor/zxing-wasm/nope.wasm"])
def test_a_404_names_no_server_path(hygiene_client, path):
    response = hygiene_client.get(path)
    assert response.status_code == 404
    assert str(ROOT) not in response.text and "node_modules" not in response.text and "/pwa" not in response.text
    assert response.json()["error"] == "not_found"


def test_api_answers_with_customer_data_are_not_stored(hygiene_client):
    for path in ("/api/orders", "/api/users", "/api/auth/me"):
        response = hygiene_client.get(path, headers=hygiene_client.tokens["admin"])
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/app.css", "/schema/openapi.json"])
def test_text_leaves_compressed(hygiene_client, path):
    response = hygiene_client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == "gzip", path
    assert "accept-encoding" in response.headers.get("vary", "").lower()
