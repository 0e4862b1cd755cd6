"""The one builder of the warehouses tests start from, and the floors made with it.

`Warehouse` does what an admin does through the API (products, bins, stock, orders, waves) with a
`TestClient` or with an `httpx.Client` on a live server, and fails the set-up on any answer other
than the expected one. People and their devices come from `device_for` / `register_device`.
The named floors are `small_warehouse`, `released_wave` and `setup_floor` here, and the guarantee
tests' `seed_floor` (tests/sync/guarantees/harness.py), all built from these pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.support import create_user, login, order_body

# Products SKU-A/B/C, bins A-01..A-06 (path order): the small warehouse most tests start from.
SMALL_SKUS = ("SKU-A", "SKU-B", "SKU-C")
SMALL_BINS = tuple(f"A-{n:02d}" for n in range(1, 7))
SMALL_STOCK = {"SKU-A": [("A-01", 5), ("A-03", 5)], "SKU-B": [("A-02", 3)], "SKU-C": []}


def _created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


class Warehouse:
    """Products, locations, stock, orders and waves, made through the API as `admin` (auth headers;
    None when the client already sends them)."""

    def __init__(self, client, admin: dict[str, str] | None):
        self.client = client
        self.admin = admin

    def _post(self, path: str, body: dict) -> dict:
        return _created(self.client.post(path, json=body, headers=self.admin))

    def product(self, sku: str, name: str, barcodes: Sequence[str] = (), **fields) -> dict:
        return self._post("/api/products", {"sku": sku, "name": name, "barcodes": list(barcodes), **fields})

    def location(self, code: str, path_seq: int, kind: str = "bin", **fields) -> dict:
        return self._post("/api/locations", {"code": code, "kind": kind, "path_seq": path_seq, **fields})

    def stock(self, sku: str, location: str, qty: int, reason: str = "opening stock") -> dict:
        """Book `qty` units of `sku` into `location` (a stock adjustment)."""
        return self._post("/api/stock/adjustments", {"location": location, "sku": sku, "qty_delta": qty, "reason": reason})

    def stock_rows(self, stock: dict[str, list[tuple[str, int]]]) -> None:
        """Opening stock {sku: [(location, qty)]}."""
        for sku, rows in stock.items():
            for location, qty in rows:
                self.stock(sku, location, qty)

    def order(self, ref: str, lines: list[tuple[str, int]], **extra) -> dict:
        return self._post("/api/orders", order_body(ref, lines, **extra))

    def orders(self, lines_per_order: list[list[tuple[str, int]]], ref_prefix: str) -> list[dict]:
        """One order per entry, refs `<ref_prefix>-1`, `-2`, …"""
        return [self.order(f"{ref_prefix}-{n}", lines) for n, lines in enumerate(lines_per_order, start=1)]

    def release(self, orders: list[dict], picker: str) -> dict:
        """Release the orders as one wave to `picker`."""
        return self._post("/api/waves", {"order_ids": [o["id"] for o in orders], "picker": picker})

    def read_orders(self, orders: list[dict]) -> list[dict]:
        """The orders as they are now (lines with ids, allocation and status)."""
        now = []
        for o in orders:
            response = self.client.get(f"/api/orders/{o['id']}", headers=self.admin)
            assert response.status_code == 200, response.text
            now.append(response.json())
        return now


@dataclass
class Device:
    """A registered device that numbers its own ops and pushes and pulls them."""

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


def register_device(client, headers, name: str) -> str:
    """Register a device for the signed-in user; its device id."""
    return _created(client.post("/api/devices", json={"name": name}, headers=headers))["device_id"]


def device_for(client, username: str, role: str) -> Device:
    """A new user with `role`, signed in on a new device."""
    password = create_user(username, role)
    headers = login(client, username, password)
    return Device(client, headers, register_device(client, headers, f"{username}'s phone"))


def small_warehouse(client, admin, stock: dict[str, list[tuple[str, int]]] | None = None) -> Warehouse:
    """Products SKU-A/B/C, bins A-01..A-06 (path order) and the given stock {sku: [(bin, qty)]}."""
    warehouse = Warehouse(client, admin)
    for sku in SMALL_SKUS:
        warehouse.product(sku, f"Product {sku[-1]}", [f"INT-{sku}"])
    for n, code in enumerate(SMALL_BINS, start=1):
        warehouse.location(code, n * 10)
    warehouse.stock_rows(stock if stock is not None else SMALL_STOCK)
    return warehouse


def released_wave(client, admin, orders: list[list[tuple[str, int]]], picker: str = "pia") -> list[dict]:
    """Create the orders (SYNC-1, SYNC-2, …), release them to `picker`, return the orders (with line ids)."""
    warehouse = Warehouse(client, admin)
    created = warehouse.orders(orders, "SYNC")
    warehouse.release(created, picker)
    return warehouse.read_orders(created)


def setup_floor(client, admin, orders=None, stock=None) -> tuple[Device, list[dict]]:
    """The small warehouse, picker pia on her phone, and a released wave (by default 3 × SKU-A, 2 × SKU-B)."""
    small_warehouse(client, admin, stock)
    picker = device_for(client, "pia", "picker")
    wave = released_wave(client, admin, orders or [[("SKU-A", 3)], [("SKU-B", 2)]])
    return picker, wave


def package_type(client, admin, code: str = "BOX-M", max_weight_g: int = 5000, **fields) -> dict:
    """An active package type, made by an admin."""
    body = {"code": code, "name": f"Box {code}", "length_mm": 300, "width_mm": 200, "height_mm": 150, "max_weight_g": max_weight_g}
    return _created(client.post("/api/package-types", json=body | fields, headers=admin))


def packed_order(
    client, admin, packages: Sequence[tuple[str, int]] = (("PKG-1", 2), ("PKG-2", 1)), seal: bool = True
) -> tuple[Device, dict]:
    """The small warehouse and one order of 3 × SKU-A, picked by pia, packed by paco on his phone into
    `packages` [(code, units)] and (by default) each sealed as a BOX-M of 1200 g. Returns paco's device
    and the order."""
    picker, (order,) = setup_floor(client, admin, orders=[[("SKU-A", 3)]])
    line = order["lines"][0]
    picked = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3))
    assert picked["results"][0]["status"] == "applied", picked
    packer = device_for(client, "paco", "packer")
    if seal:
        package_type(client, admin)
    for code, units in packages:
        ops = [packer.op("pack", order_line_id=line["id"], sku="SKU-A", qty=units, package=code)]
        if seal:
            ops.append(packer.op("seal", package=code, package_type="BOX-M", weight_g=1200))
        results = packer.push(*ops)["results"]
        assert [r["status"] for r in results] == ["applied"] * len(ops), results
    return packer, Warehouse(client, admin).read_orders([order])[0]
