"""What the driver's browser stories share: orders picked, packed and sealed by a picker's and a
packer's devices, planned onto an own-fleet route through the supervisor's REST routes, and readers
of what the server recorded (deliveries, attachments, the ledger)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

from tests import support
from tests.browser.camera import write_y4m
from tests.browser.support import off_playwrights_loop
from tests.warehouse import Device, Warehouse, device_for, plan_routes

DRIVER = ("dan", "dan-secret-1")
PACKAGE_TYPE = "BOX-S"

# One customer per stop, at addresses in Leeds (geocoded, so the map link goes to a point).
CUSTOMERS = [
    {
        "name": "Ada Byron",
        "phone": "+44 113 496 0001",
        "line1": "1 Park Row",
        "postcode": "LS1 5AB",
        "lat": 53.7997,
        "lon": -1.5461,
    },
    {"name": "Ben Okri", "phone": "", "line1": "22 Call Lane", "postcode": "LS1 6DT", "lat": 53.7953, "lon": -1.5402},
    {
        "name": "Cleo Hart",
        "phone": "+44 113 496 0003",
        "line1": "5 Kirkgate",
        "postcode": "LS2 7DJ",
        "lat": 53.7968,
        "lon": -1.5382,
    },
    {"name": "Dev Rao", "phone": "", "line1": "9 Briggate", "postcode": "LS1 6HD", "lat": 53.7983, "lon": -1.5428},
    {"name": "Eve Moss", "phone": "", "line1": "40 Boar Lane", "postcode": "LS1 5DA", "lat": 53.7958, "lon": -1.5463},
]


@dataclass
class Round:
    """A planned route: its id and, per stop, the orders and package codes in driving order."""

    route_id: int
    stop_ids: list[int]
    packages: list[list[str]]  # per stop
    orders: list[dict]  # per stop, the order of its (first) package
    others: dict = field(default_factory=dict)  # package code → route id, for packages on other routes


def _order_body(ref: str, customer: dict, sku: str) -> dict:
    return {
        "channel": "manual",
        "external_ref": ref,
        "customer": {"name": customer["name"], "phone": customer["phone"]},
        "ship_to": {
            "line1": customer["line1"],
            "city": "Leeds",
            "postcode": customer["postcode"],
            "country": "GB",
            "lat": customer["lat"],
            "lon": customer["lon"],
        },
        "lines": [{"sku": sku, "qty": 1}],
    }


class Depot:
    """The warehouse side of a round: stock, a picker and a packer on their devices, package types."""

    def __init__(self, http: httpx.Client, admin: dict):
        self.http = http
        self.admin = admin
        self.warehouse = Warehouse(http, admin)
        self.warehouse.product("PARCEL", "Parcel of books", ["INT-PARCEL"])
        self.warehouse.location("A-01", 10)
        self.warehouse.stock("PARCEL", "A-01", 50)
        self.picker: Device = off_playwrights_loop(device_for, http, "pia", "picker")
        self.packer: Device = off_playwrights_loop(device_for, http, "pat", "packer")
        off_playwrights_loop(support.create_package_type, PACKAGE_TYPE)
        self.made = 0

    def sealed_packages(self, customers: list[dict]) -> tuple[list[str], list[dict]]:
        """One order per customer, picked, packed into one package and sealed → (codes, orders)."""
        created = []
        for customer in customers:
            self.made += 1
            response = self.http.post("/api/orders", json=_order_body(f"DEL-{self.made}", customer, "PARCEL"), headers=self.admin)
            assert response.status_code == 201, response.text
            created.append(response.json())
        orders = self.warehouse.read_orders(created)
        self.warehouse.release(orders, "pia")
        orders = self.warehouse.read_orders(orders)
        picks = [
            self.picker.op(
                "pick", order_line_id=o["lines"][0]["id"], location="A-01", sku="PARCEL", qty=1, tote=f"TOTE-{o['id']}"
            )
            for o in orders
        ]
        _all_applied(self.picker.push(*picks))
        codes = [f"PKG-{o['id']}-1" for o in orders]
        ops = []
        for order, code in zip(orders, codes, strict=True):
            ops.append(self.packer.op("pack", order_line_id=order["lines"][0]["id"], sku="PARCEL", qty=1, package=code))
            ops.append(self.packer.op("seal", package=code, package_type=PACKAGE_TYPE, weight_g=800))
        _all_applied(self.packer.push(*ops))
        return codes, self.warehouse.read_orders(orders)

    def route(self, customers: list[dict], driver: str = "dan") -> Round:
        """Sealed packages for `customers`, planned by the supervisor's planner onto one route for
        `driver` (POST /api/routes/plan), its stops then put in the customers' order."""
        codes, orders = self.sealed_packages(customers)
        plan = plan_routes(self.http, self.admin, driver=driver)
        (route,) = plan["routes"]
        stop_of = {p["code"]: s["id"] for s in route["stops"] for p in s["packages"]}
        assert sorted(stop_of) == sorted(codes), plan
        stop_ids = [stop_of[code] for code in codes]
        response = self.http.post(f"/api/routes/{route['id']}/order", json={"stops": stop_ids}, headers=self.admin)
        assert response.status_code == 200, response.text
        return Round(route["id"], stop_ids, [[code] for code in codes], orders)


def _all_applied(answer: dict) -> None:
    bad = [r for r in answer["results"] if r["status"] != "applied"]
    assert not bad, answer


# -- what the server recorded -----------------------------------------------------------------------


def _read(sql: str, *args) -> list[tuple]:
    from tests.sync.guarantees.harness import RawDB

    raw = RawDB()
    try:
        return raw.fetch(sql, *args)
    finally:
        raw.close()


def read(sql: str, *args) -> list[tuple]:
    """Rows from the test database, read off Playwright's loop."""
    return off_playwrights_loop(_read, sql, *args)


def deliveries(code: str) -> list[tuple]:
    """(outcome, recipient, reason, signature, photo, lat, lon, accuracy_m, evidence) of a package, oldest first."""
    return read(
        "SELECT d.outcome, d.recipient, d.reason, d.signature, d.photo, d.lat, d.lon, d.accuracy_m, d.evidence "
        "FROM delivery d JOIN package p ON p.id = d.package WHERE p.code = ? ORDER BY d.id",
        code,
    )


def package_status(code: str) -> str:
    return read("SELECT status FROM package WHERE code = ?", code)[0][0]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doorstep_video(directory: Path) -> Path:
    """A fake camera picture of a parcel on a doorstep (a brown box on a grey step, a green door).

    Grainy like a real camera's picture, so its JPEG spans several 64 KiB upload chunks and an
    upload can be cut in the middle of the file."""
    grain = Image.merge("RGB", [Image.effect_noise((640, 480), 70)] * 3)
    frame = Image.blend(Image.new("RGB", (640, 480), (200, 200, 196)), grain, 0.5)
    draw = ImageDraw.Draw(frame)
    draw.rectangle((170, 20, 470, 330), fill=(20, 90, 60))
    draw.ellipse((420, 170, 440, 190), fill=(220, 190, 60))
    draw.rectangle((0, 330, 640, 480), fill=(150, 150, 150))
    draw.rectangle((240, 270, 400, 400), fill=(160, 110, 60))
    draw.line((240, 335, 400, 335), fill=(230, 220, 200), width=8)
    return write_y4m(directory / "doorstep.y4m", frame)
