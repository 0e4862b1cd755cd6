"""Every route against every role: 401 without a token, 403 for the wrong role, never a 5xx."""

from __future__ import annotations

import pytest

from server.accounts.security import ROLES
from tests.api.route_matrix import ATTACHMENT, MATRIX, SIGNED, UNGUARDED
from tests.support import create_user, login


def _routes_of(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if not route.path.startswith("/api/") or route.path in UNGUARDED or route.path.startswith("/api/auth/login"):
            continue
        for method in route.methods - {"OPTIONS", "HEAD"}:
            found.add((method, route.path))
    return found


def test_the_matrix_covers_every_guarded_route(app):
    """A new route without a line here fails this test, so nobody forgets its guard."""
    import re

    declared = {(m, re.sub(rf"/(1|SKU-X|nobody|unknown|{ATTACHMENT})(?=/|$)", "/{}", p)) for m, p, _ in MATRIX}
    declared |= {(m, re.sub(r"/unknown$", "/{}", p)) for m, p in SIGNED}
    actual = {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in _routes_of(app)}
    assert actual == declared


def test_every_route_refuses_a_request_without_a_token(client):
    for method, path, _ in MATRIX:
        response = client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"] == "unauthorized"


def test_signed_routes_take_no_token_and_name_what_is_missing(client):
    """A shop has no bearer token: its webhook routes answer on their own terms (404 for a channel that
    does not exist; a bad signature is 401 `bad_signature`, see test_shop_webhooks.py), never 5xx."""
    for method, path in SIGNED:
        response = client.request(method, path, content=b"{}", headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "unknown_channel"


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
