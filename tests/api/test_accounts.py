"""Logging in, rate limiting, disabled users, devices and their revocation."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.support import create_user, login


def test_login_returns_a_bearer_token_and_the_user(client):
    create_user("pia", "picker", "picker-secret")
    response = client.post("/api/auth/login", json={"username": "pia", "password": "picker-secret"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) > 30
    assert body["user"]["username"] == "pia" and body["user"]["role"] == "picker"
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "pia"


def test_wrong_password_and_unknown_user_look_the_same(client):
    create_user("pia", "picker", "picker-secret")
    wrong = client.post("/api/auth/login", json={"username": "pia", "password": "nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_passwords_are_stored_as_argon2_hashes(client):
    import asyncio

    from server.db import Database
    from tests.support import db_config

    create_user("pia", "picker", "picker-secret")

    async def read():
        db = Database(db_config())
        await db.start()
        async with db.read() as tx:
            value = await tx.fetchval("SELECT password_hash FROM app_user WHERE username = 'pia'")
        await db.close()
        return value

    stored = asyncio.run(read())
    assert stored.startswith("$argon2id$") and "picker-secret" not in stored


def test_login_is_rate_limited_per_client(clean_db):
    from server.app import create_app
    from server.settings import Settings

    create_user("pia", "picker", "picker-secret")
    with TestClient(create_app(Settings(login_rate_limit=3))) as limited:
        codes = [limited.post("/api/auth/login", json={"username": "pia", "password": "guess"}).status_code for _ in range(5)]
        assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
        # Only logins are limited; the rest of the API is not.
        assert limited.get("/api/health").status_code == 200


def test_a_disabled_user_is_locked_out_at_once(client, admin):
    password = create_user("pia", "picker")
    headers = login(client, "pia", password)
    assert client.post("/api/users/pia/disable", headers=admin).json()["active"] is False
    assert client.get("/api/auth/me", headers=headers).status_code == 401
    assert client.post("/api/auth/login", json={"username": "pia", "password": password}).status_code == 401


def test_admin_creates_users_with_a_role(client, admin):
    response = client.post(
        "/api/users", json={"username": "new.picker", "role": "picker", "password": "long-enough"}, headers=admin
    )
    assert response.status_code == 201 and response.json()["role"] == "picker"
    assert (
        client.post(
            "/api/users", json={"username": "new.picker", "role": "picker", "password": "long-enough"}, headers=admin
        ).status_code
        == 409
    )
    bad = client.post("/api/users", json={"username": "x2", "role": "boss", "password": "long-enough"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["field"] == "role"
    short = client.post("/api/users", json={"username": "x3", "role": "picker", "password": "short"}, headers=admin)
    assert short.status_code == 400 and short.json()["field"] == "password"


def test_devices_are_registered_to_their_user_and_revocable_by_a_supervisor(client, admin):
    password = create_user("pia", "picker")
    picker = login(client, "pia", password)
    boss = login(client, "sue", create_user("sue", "supervisor"))
    device = client.post("/api/devices", json={"name": "Zebra TC52 #4"}, headers=picker)
    assert device.status_code == 201
    device_id = device.json()["device_id"]
    assert device.json()["owner"] == "pia" and device.json()["revoked_at"] is None
    assert [d["device_id"] for d in client.get("/api/devices", headers=picker).json()] == [device_id]
    assert client.post(f"/api/devices/{device_id}/revoke", headers=picker).status_code == 403
    revoked = client.post(f"/api/devices/{device_id}/revoke", headers=boss)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.post("/api/devices/nope/revoke", headers=boss).status_code == 404
