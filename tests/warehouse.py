"""The one builder of the warehouses tests start from, and the floors made with it.

`Warehouse` does what an admin does through the API (products, bins, stock, orders, waves) with a
`TestClient` or with an `httpx.Client` on a live server, and fails the set-up on any answer other
than the expected one. People and their devices come from `device_for` / `register_device`.
Packages go out with `seal`, `plan_routes` and `routed_package` (sealed, planned on a driver's route
and loaded into the van). The named floors are `small_warehouse`, `released_wave` and `setup_floor` here, and the guarantee
tests' `seed_floor` (tests/sync/guarantees/harness.py), all built from these pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.support import create_package_type, create_user, login, order_body

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


def seal(packer: Device, package: str, package_type: str = "BOX-S", weight_g: int = 500) -> dict:
    """The packer closes `package` (a BOX-S of 500 g by default; the type is created if missing)."""
    create_package_type(package_type)
    result = packer.push(packer.op("seal", package=package, package_type=package_type, weight_g=weight_g))["results"][0]
    assert result["status"] == "applied", result
    return result


def plan_routes(client, headers, expect: int = 200, **body) -> dict:
    """POST /api/routes/plan: every sealed own-fleet package waiting at the depot goes on a route."""
    response = client.post("/api/routes/plan", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def route_of(plan: dict, package: str) -> dict:
    """The planned route that carries `package`."""
    (route,) = [r for r in plan["routes"] if any(p["code"] == package for s in r["stops"] for p in s["packages"])]
    return route


def routed_package(client, admin, packer: Device, package: str, driver: Device | None = None) -> tuple[Device, dict]:
    """`package` (packed by `packer`) sealed, planned on a route given to the driver (dan on a new phone
    unless `driver` is given), and loaded into the van by the driver's load scan. Returns the driver
    and the route as planned."""
    seal(packer, package)
    driver = driver or device_for(client, "dan", "driver")
    username = client.get("/api/auth/me", headers=driver.headers).json()["username"]
    route = route_of(plan_routes(client, admin, driver=username), package)
    assert package in [p["code"] for p in driver.pull()["packages"]]
    loaded = driver.push(driver.op("ship", package=package, route=route["id"]))["results"][0]
    assert loaded["status"] == "applied", loaded
    return driver, route


def pick_everything(picker: Device) -> None:
    """The picker picks every open task of theirs in full, as the tasks say (bin, SKU, quantity)."""
    tasks = [t for t in picker.pull()["tasks"] if t["status"] == "open"]
    ops = [picker.op("pick", order_line_id=t["order_line_id"], location=t["location"], sku=t["sku"], qty=t["qty"]) for t in tasks]
    if ops:
        results = picker.push(*ops)["results"]
        assert all(r["status"] == "applied" for r in results), results


def pack_order(packer: Device, order: dict, package: str) -> None:
    """Every line of `order` (as read from the API, lines picked) packed into one package."""
    ops = [packer.op("pack", order_line_id=l["id"], sku=l["sku"], qty=l["qty_picked"], package=package) for l in order["lines"]]
    results = packer.push(*ops)["results"]
    assert all(r["status"] == "applied" for r in results), results
