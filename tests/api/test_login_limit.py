"""The login limit holds across server processes, per username and per client; a forged
X-Forwarded-For does not reset it; a 429 says when to come back; weak passwords are refused."""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
from litestar.testing import TestClient

from server.accounts.throttle import client_address
from server.settings import Settings, parse_networks
from tests.support import LiveServer, create_user

LIMIT = 5


def _limited_app(**settings):
    from server.app import create_app

    return create_app(Settings(login_rate_limit=LIMIT, **settings))


def _guess(http, username: str = "pia", **headers) -> httpx.Response:
    return http.post("/api/auth/login", json={"username": username, "password": "not-the-password"}, headers=headers)


def test_two_workers_share_one_count(clean_db):
    """30 wrong passwords, each on a new connection, spread over 2 server processes: only LIMIT get
    as far as a password check."""
    create_user("pia", "picker", "picker-secret")
    server = LiveServer(workers=2, env={**os.environ, "SHIPSHAPE_LOGIN_RATE_LIMIT": str(LIMIT)})
    try:
        answers = []
        for _ in range(30):
            with httpx.Client(base_url=server.url, timeout=10) as http:  # a new connection: any worker
                answers.append(_guess(http))
    finally:
        server.stop()
    codes = Counter(a.status_code for a in answers)
    assert codes == {401: LIMIT, 429: 30 - LIMIT}, codes
    for refused in (a for a in answers if a.status_code == 429):
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "try again in" in refused.json()["message"]


def test_a_new_forwarded_for_does_not_reset_the_count(clean_db):
    create_user("pia", "picker", "picker-secret")
    with TestClient(_limited_app()) as http:
        codes = [_guess(http, **{"x-forwarded-for": f"203.0.113.{n}"}).status_code for n in range(12)]
    assert codes == [401] * LIMIT + [429] * (12 - LIMIT)


def test_the_count_is_per_username(clean_db):
    import asyncio

    from server.accounts.throttle import count_attempt
    from server.db import Database
    from tests.support import db_config

    async def attempts():
        db = Database(db_config())
        await db.start()
        try:
            # One username, a new client each time: refused once the username's count is over.
            return [await count_attempt(db, "pia", f"198.51.100.{n}", LIMIT) for n in range(8)]
        finally:
            await db.close()

    waits = asyncio.run(attempts())
    assert waits[:LIMIT] == [None] * LIMIT and all(w is not None and 1 <= w <= 60 for w in waits[LIMIT:])


def test_the_count_is_per_client_across_usernames(clean_db):
    with TestClient(_limited_app()) as http:
        codes = [_guess(http, username=f"user{n}").status_code for n in range(8)]
    assert codes == [401] * LIMIT + [429] * 3


def test_a_good_login_clears_the_usernames_count(clean_db):
    create_user("pia", "picker", "picker-secret")
    with TestClient(_limited_app()) as http:
        for _ in range(LIMIT - 1):
            assert _guess(http).status_code == 401
        assert http.post("/api/auth/login", json={"username": "pia", "password": "picker-secret"}).status_code == 200


@pytest.mark.parametrize(
    "peer, header, proxies, expected",
    [
        ("198.51.100.7", "203.0.113.9", "", "198.51.100.7"),  # nobody trusted: the header is ignored
        ("10.0.0.2", "203.0.113.9", "192.168.0.0/16", "10.0.0.2"),  # from an untrusted peer: ignored
        ("10.0.0.2", "203.0.113.9", "10.0.0.0/8", "203.0.113.9"),  # the proxy's word is taken
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", "10.0.0.0/8", "203.0.113.9"),  # the client's own claim on the left is not
        ("10.0.0.2", "203.0.113.9, 10.0.0.3", "10.0.0.0/8", "203.0.113.9"),  # through two proxies
        ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
    ],
)
def test_forwarded_for_is_believed_only_from_configured_proxies(peer, header, proxies, expected):
    assert client_address(peer, header, parse_networks(proxies)) == expected


def test_a_bad_trusted_proxy_setting_is_named():
    with pytest.raises(ValueError, match="SHIPSHAPE_TRUSTED_PROXIES: 'proxy.local'"):
        parse_networks("10.0.0.1, proxy.local")


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "new.picker", "New.Picker"])
def test_common_passwords_and_the_username_are_refused(client, admin, password):
    response = client.post("/api/users", json={"username": "new.picker", "role": "picker", "password": password}, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "password" and response.json()["error"] == "weak_password"
