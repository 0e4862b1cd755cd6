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


def package_type(client, admin, code: str = "BOX-M", max_weight_g: int = 5000, **fields) -> dict:
    """An active package type, made by an admin."""
    body = {
        "code": code,
        "name": f"Box {code}",
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 150,
        "max_weight_g": max_weight_g,
    }
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


def sealed_orders(
    warehouse: Warehouse, picker: tuple[str, Device], packer: Device, ship_to: dict[str, tuple[str, dict]], sku: str = "SKU-R"
) -> dict[str, str]:
    """One order of one `sku` per entry {ref: (customer name, address)}, released to the picker
    (username, device), picked, then packed and sealed by `packer` into PKG-<order id>-1, waiting
    for a route. The product, bin R-01 and the stock are made here. Returns {ref: package code}."""
    warehouse.product(sku, f"Product {sku}", [f"INT-{sku}"])
    warehouse.location("R-01", 900)
    warehouse.stock(sku, "R-01", len(ship_to))
    name, device = picker
    orders = [
        warehouse.order(ref, [(sku, 1)], customer={"name": customer}, ship_to=address)
        for ref, (customer, address) in ship_to.items()
    ]
    warehouse.release(orders, name)
    pick_everything(device)
    packages = {}
    for order in warehouse.read_orders(orders):
        package = f"PKG-{order['id']}-1"
        pack_order(packer, order, package)
        seal(packer, package)
        packages[order["external_ref"]] = package
    return packages


async def _purchase_order(lines: Sequence[tuple[str, int]], supplier: str, status: str, kind: str, expected_at) -> int:
    import datetime as dt

    from server.db import Database
    from tests.support import db_config

    db = Database(db_config())
    await db.start()
    try:
        async with db.write() as tx:
            supplier_id = await tx.fetchval("SELECT id FROM supplier WHERE code = ?", supplier)
            if supplier_id is None:
                await tx.execute(
                    "INSERT INTO supplier (code, name, email) VALUES (?, ?, ?)", supplier, f"Supplier {supplier}", ""
                )
                supplier_id = await tx.fetchval("SELECT id FROM supplier WHERE code = ?", supplier)
            warehouse_id = await tx.fetchval("SELECT MIN(id) FROM warehouse")
            # As if an op wrote it: a version past every committed op, so the next delta pull sees it.
            version = await tx.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM ledger")
            po_id = 1 + await tx.fetchval("SELECT COALESCE(MAX(id), 0) FROM purchase_order")
            await tx.execute(
                "INSERT INTO purchase_order (id, supplier, warehouse, kind, status, created_at, expected_at, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                po_id,
                supplier_id,
                warehouse_id,
                kind,
                status,
                dt.datetime.now(dt.UTC),
                expected_at,
                version,
            )
            for line_no, (sku, qty) in enumerate(lines, start=1):
                product_id = await tx.fetchval("SELECT id FROM product WHERE sku = ?", sku)
                assert product_id is not None, f"no product {sku}"
                await tx.execute(
                    "INSERT INTO po_line (purchase_order, line_no, product, qty_ordered, qty_received) VALUES (?, ?, ?, ?, 0)",
                    po_id,
                    line_no,
                    product_id,
                    qty,
                )
            return po_id
    finally:
        await db.close()


def purchase_order(
    lines: Sequence[tuple[str, int]], supplier: str = "ACME", status: str = "sent", kind: str = "stock", expected_at=None
) -> int:
    """A purchase order of `lines` [(sku, qty ordered)] from `supplier` (made if new), written as master
    data (the purchasing screens make real ones), in `status`; its id (scanned as PO-<id:05d>)."""
    import asyncio

    return asyncio.run(_purchase_order(lines, supplier, status, kind, expected_at))


def shipped_order(client, admin, packages: Sequence[tuple[str, int]] = (("PKG-1", 3),)) -> tuple[Device, dict]:
    """`packed_order` (3 × SKU-A by pia and paco, bins of the small warehouse) with every package
    sealed and handed to DHL at the dock: the order is shipped. Returns paco's device and the order."""
    packer, order = packed_order(client, admin, packages)
    for code, _ in packages:
        shipped = packer.push(packer.op("ship", package=code, carrier="DHL"))["results"][0]
        assert shipped["status"] == "applied", shipped
    (order,) = Warehouse(client, admin).read_orders([order])
    assert order["status"] == "shipped", order
    return packer, order


def rma_for(client, admin, order: dict, lines: Sequence[tuple[int, int]], expect: int = 201, **body) -> dict:
    """POST /api/orders/{id}/rmas with `lines` [(order line id, qty)] (reason `damaged` unless given)."""
    payload = {"reason": "damaged", "lines": [{"order_line_id": i, "qty": q} for i, q in lines]} | body
    response = client.post(f"/api/orders/{order['id']}/rmas", json=payload, headers=admin)
    assert response.status_code == expect, response.text
    return response.json()


# -- purchasing (issue #13, points 4 and 6) ----------------------------------------------------------


def supplier(client, admin, code: str, name: str | None = None, **fields) -> dict:
    """A supplier made by an admin (e-mail orders@<code>.example, lead time 7 days unless given)."""
    body = {"code": code, "name": name or code.title(), "email": f"orders@{code.lower()}.example", **fields}
    return _created(client.post("/api/suppliers", json=body, headers=admin))


# SKU-A, SKU-B from ACME (lead 5 days); SKU-C from BOLT (lead 10), SKU-D drop-shipped by BOLT.
BUYING_STOCK = {"SKU-A": [("A-01", 5)], "SKU-B": [("A-02", 3)], "SKU-C": [], "SKU-D": []}


def buying_warehouse(client, admin, stock: dict[str, list[tuple[str, int]]] | None = None) -> Warehouse:
    """Suppliers ACME (lead time 5 days) and BOLT (10); products SKU-A (ACME, reorder point 4, reorder
    qty 6), SKU-B (ACME), SKU-C (BOLT, reorder point 2, reorder qty 3), SKU-D (BOLT, drop-ship); bins
    A-01..A-06 and the given stock (default `BUYING_STOCK`)."""
    supplier(client, admin, "ACME", "Acme Supplies", lead_time_days=5)
    supplier(client, admin, "BOLT", "Bolt & Co", lead_time_days=10)
    warehouse = Warehouse(client, admin)
    warehouse.product("SKU-A", "Product A", ["INT-SKU-A"], supplier="ACME", reorder_point=4, reorder_qty=6)
    warehouse.product("SKU-B", "Product B", ["INT-SKU-B"], supplier="ACME")
    warehouse.product("SKU-C", "Product C", ["INT-SKU-C"], supplier="BOLT", reorder_point=2, reorder_qty=3)
    warehouse.product("SKU-D", "Product D", ["INT-SKU-D"], supplier="BOLT", drop_ship=True)
    for n, code in enumerate(SMALL_BINS, start=1):
        warehouse.location(code, n * 10)
    warehouse.stock_rows(stock if stock is not None else BUYING_STOCK)
    return warehouse


def api_post(client, headers, path: str, body: dict | None = None, expect: int = 200) -> dict:
    """POST `body` to `path`; fails unless the answer has status `expect`. The answer's JSON."""
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def api_get(client, headers, path: str, expect: int = 200):
    response = client.get(path, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def invariants_hold() -> None:
    """The G4 invariants the tables show (tests/sync/guarantees/harness.py) hold right now."""
    from tests.sync.guarantees.harness import RawDB, assert_invariants

    raw = RawDB()
    try:
        assert_invariants(raw)
    finally:
        raw.close()
