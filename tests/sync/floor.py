"""A released wave and a picker's device, ready for pushes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.support import create_user, login, order_body, small_warehouse


@dataclass
class Device:
    client: object
    headers: dict
    device_id: str
    next_seq: int = 1
    sent: list = field(default_factory=list)

    def op(self, type_: str, **args) -> dict:
        op = {"seq": self.next_seq, "type": type_, "version": 1, "at": "2026-11-26T10:02:03.120Z", "args": args}
        self.next_seq += 1
        self.sent.append(op)
        return op

    def push(self, *ops, expect: int = 200):
        response = self.client.post("/api/sync/push", json={"device_id": self.device_id, "ops": list(ops)}, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json()

    def pull(self, cursor: str | None = None, expect: int = 200):
        params = {"device_id": self.device_id} | ({"cursor": cursor} if cursor else {})
        response = self.client.get("/api/sync/pull", params=params, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json()


def device_for(client, username: str, role: str) -> Device:
    password = create_user(username, role)
    headers = login(client, username, password)
    device_id = client.post("/api/devices", json={"name": f"{username}'s phone"}, headers=headers).json()["device_id"]
    return Device(client, headers, device_id)


def released_wave(client, admin, orders: list[list[tuple[str, int]]], picker: str = "pia") -> list[dict]:
    """Create the orders, release them to `picker`, return the orders (with line ids)."""
    created = []
    for n, lines in enumerate(orders, start=1):
        r = client.post("/api/orders", json=order_body(f"SYNC-{n}", lines), headers=admin)
        assert r.status_code == 201, r.text
        created.append(r.json())
    r = client.post("/api/waves", json={"order_ids": [o["id"] for o in created], "picker": picker}, headers=admin)
    assert r.status_code == 201, r.text
    return [client.get(f"/api/orders/{o['id']}", headers=admin).json() for o in created]


def setup_floor(client, admin, orders=None, stock=None):
    small_warehouse(client, admin, stock)
    picker = device_for(client, "pia", "picker")
    wave = released_wave(client, admin, orders or [[("SKU-A", 3)], [("SKU-B", 2)]])
    return picker, wave
