"""Every route against every role: 401 without a token, 403 for the wrong role, never a 5xx."""

from __future__ import annotations

import pytest

from server.accounts.security import ROLES
from tests.support import create_user, login

# (method, path, roles allowed). Bodies are irrelevant here: guards run before validation,
# so an allowed role gets anything but 401/403 and a disallowed role gets exactly 403.
MATRIX = [
    ("GET", "/api/auth/me", ROLES),
    ("POST", "/api/auth/logout", ROLES),
    ("GET", "/api/users", ("supervisor", "admin")),
    ("POST", "/api/users", ("admin",)),
    ("POST", "/api/users/nobody/disable", ("admin",)),
    ("POST", "/api/devices", ROLES),
    ("GET", "/api/devices", ROLES),
    ("POST", "/api/devices/unknown/revoke", ("supervisor", "admin")),
    ("GET", "/api/products", ROLES),
    ("POST", "/api/products", ("admin",)),
    ("GET", "/api/products/SKU-X", ROLES),
    ("GET", "/api/locations", ROLES),
    ("POST", "/api/locations", ("admin",)),
    ("GET", "/api/stock", ROLES),
    ("POST", "/api/stock/adjustments", ("supervisor", "admin")),
    ("GET", "/api/orders", ("packer", "supervisor", "admin")),
    ("POST", "/api/orders", ("supervisor", "admin")),
    ("GET", "/api/orders/1", ("packer", "supervisor", "admin")),
    ("POST", "/api/orders/1/cancel", ("supervisor", "admin")),
    ("POST", "/api/orders/1/pay", ("supervisor", "admin")),
    ("POST", "/api/waves", ("supervisor", "admin")),
    ("GET", "/api/waves/1", ("supervisor", "admin")),
    ("GET", "/api/tasks/mine", ("picker",)),
    ("POST", "/api/tasks/1/reassign", ("supervisor", "admin")),
    ("GET", "/api/exceptions", ("supervisor", "admin")),
    ("POST", "/api/exceptions/1/resolve", ("supervisor", "admin")),
    ("GET", "/api/floor-tasks", ("supervisor", "admin")),
    ("GET", "/api/sync/limits", ROLES),
    ("POST", "/api/sync/push", ROLES),
    ("GET", "/api/sync/pull", ROLES),
    ("POST", "/api/scan/resolve", ROLES),
]


def _routes_of(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not route.path.startswith("/api/") or route.path == "/api/health" or route.path.startswith("/api/auth/login"):
            continue
        for method in route.methods - {"OPTIONS", "HEAD"}:
            found.add((method, route.path))
    return found


def test_the_matrix_covers_every_guarded_route(app):
    """A new route without a line here fails this test, so nobody forgets its guard."""
    import re

    declared = {(m, re.sub(r"/(1|SKU-X|nobody|unknown)(?=/|$)", "/{}", p)) for m, p, _ in MATRIX}
    actual = {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in _routes_of(app)}
    assert actual == declared


def test_every_route_refuses_a_request_without_a_token(client):
    for method, path, _ in MATRIX:
        response = client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"] == "unauthorized"


def test_a_bogus_token_is_refused(client):
    response = client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_every_route_against_every_role(client, role):
    password = create_user(f"u-{role}", role)
    headers = login(client, f"u-{role}", password)
    for method, path, allowed in MATRIX:
        if path == "/api/auth/logout":
            continue  # would end this session; covered below
        response = client.request(method, path, json={}, headers=headers)
        assert response.status_code < 500, (role, method, path, response.text)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert role in response.json()["message"]


def test_logout_ends_the_session(client):
    password = create_user("leaver", "packer")
    headers = login(client, "leaver", password)
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 401
