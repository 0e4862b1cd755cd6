"""A dispatcher plans the day's own-fleet routes from the sealed packages, reorders and moves stops,
gives routes to drivers; drivers see exactly their routes, load only their packages, deliver or fail,
and bring failures back to be planned again. Real app, real database, devices pushing real ops."""

from __future__ import annotations

import pytest

from sync.routing import Drop, order_stops
from tests.support import create_user, login, set_depot
from tests.warehouse import (
    Warehouse,
    device_for,
    pack_order,
    pick_everything,
    plan_routes,
    route_of,
    seal,
    small_warehouse,
)

DEPOT = (53.7960, -1.5470)  # Leeds
# (ref, town, postcode, lat, lon): three drops in Leeds, two in Bradford.
DROPS = [
    ("R-1", "Leeds", "LS6 1AA", 53.8200, -1.5800),
    ("R-2", "Bradford", "BD1 1AA", 53.7950, -1.7520),
    ("R-3", "Leeds", "LS1 4AB", 53.7997, -1.5492),
    ("R-4", "Bradford", "BD9 4AA", 53.8100, -1.7900),
    ("R-5", "Leeds", "LS9 8AA", 53.7950, -1.5100),
]


class Floor:
    """Orders picked by pia, packed and sealed by paco (package "P-<ref>"), the depot in Leeds."""

    def __init__(self, client, admin, drops=DROPS):
        self.client, self.admin = client, admin
        set_depot(*DEPOT)
        small_warehouse(client, admin, {"SKU-A": [("A-01", 20)]})
        warehouse = Warehouse(client, admin)
        self.orders = {}
        for ref, town, postcode, lat, lon in drops:
            ship_to = {"line1": f"{ref} High Street", "city": town, "postcode": postcode, "country": "GB", "lat": lat, "lon": lon}
            self.orders[ref] = warehouse.order(ref, [("SKU-A", 1)], customer={"name": f"Customer {ref}"}, ship_to=ship_to)
        self.picker = device_for(client, "pia", "picker")
        warehouse.release(list(self.orders.values()), "pia")
        pick_everything(self.picker)
        self.packer = device_for(client, "paco", "packer")
        for ref, order in zip(self.orders, warehouse.read_orders(list(self.orders.values())), strict=True):
            pack_order(self.packer, order, f"P-{ref}")
            seal(self.packer, f"P-{ref}")
        self.dan = device_for(client, "dan", "driver")
        self.dave = device_for(client, "dave", "driver")

    def route(self, route_id: int, headers=None) -> dict:
        response = self.client.get(f"/api/routes/{route_id}", headers=headers or self.admin)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict, expect: int = 200) -> dict:
        response = self.client.post(path, json=body, headers=self.admin)
        assert response.status_code == expect, response.text
        return response.json()


def _packages(route: dict) -> list[list[str]]:
    return [[p["code"] for p in s["packages"]] for s in route["stops"]]


@pytest.fixture
def floor(client, admin) -> Floor:
    return Floor(client, admin)


def test_plan_groups_two_areas_into_two_routes_with_stops_in_driving_order_from_the_depot(floor):
    plan = plan_routes(floor.client, floor.admin, driver="dan", day="2026-12-01")
    assert plan["unplanned"] == [] and "2 route(s) with 5 package(s)" in plan["message"]
    assert [r["area"] for r in plan["routes"]] == ["GB-BD", "GB-LS"]
    bradford, leeds = plan["routes"]
    # The planner's own order (nearest neighbour from the depot, then 2-opt) is the route's order.
    for route, refs in ((leeds, ["R-1", "R-3", "R-5"]), (bradford, ["R-2", "R-4"])):
        drops = [Drop(ref, pc, "GB", lat, lon, ()) for ref, _, pc, lat, lon in DROPS if ref in refs]
        expected = [[f"P-{d.key}"] for d in order_stops(drops, DEPOT)]
        assert _packages(route) == expected
        assert [s["seq"] for s in route["stops"]] == list(range(1, len(refs) + 1))
        assert route["driver"] == "dan" and route["status"] == "planned" and route["day"] == "2026-12-01"
        assert route["km"] > 0
    # LS1, a few hundred metres from the depot, is next to the depot (a round may run either way).
    ends = [leeds["stops"][0], leeds["stops"][-1]]
    assert "P-R-3" in [s["packages"][0]["code"] for s in ends]
    (stop,) = [s for s in ends if s["packages"][0]["code"] == "P-R-3"]
    assert stop["customer"] == "Customer R-3" and stop["address"]["postcode"] == "LS1 4AB"
    assert stop["packages"][0]["status"] == "open" and stop["packages"][0]["last_attempt"] is None
    listed = floor.client.get("/api/routes?day=2026-12-01&status=planned", headers=floor.admin).json()
    assert [r["id"] for r in listed] == [bradford["id"], leeds["id"]]
    assert floor.client.get("/api/routes?day=2026-12-02", headers=floor.admin).json() == []
    bad = floor.client.get("/api/routes?status=lost", headers=floor.admin)
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    # Everything waiting is on a route now: a second plan has nothing to do.
    again = plan_routes(floor.client, floor.admin)
    assert again["routes"] == [] and again["message"].startswith("nothing to plan")


def test_a_package_of_a_cancelled_order_or_one_booked_with_a_carrier_is_not_planned(floor):
    assert floor.client.post(f"/api/orders/{floor.orders['R-1']['id']}/cancel", headers=floor.admin).status_code == 200
    plan = plan_routes(floor.client, floor.admin)
    codes = {code for r in plan["routes"] for stop in _packages(r) for code in stop}
    assert codes == {"P-R-2", "P-R-3", "P-R-4", "P-R-5"}


def test_plan_refuses_a_driver_who_is_not_one_and_plans_nothing(floor):
    body = plan_routes(floor.client, floor.admin, expect=422, driver="pia")
    assert (body["error"], body["field"]) == ("not_a_driver", "driver")
    body = plan_routes(floor.client, floor.admin, expect=400, max_stops=0)
    assert body["field"] == "max_stops"
    assert floor.client.get("/api/routes", headers=floor.admin).json() == []


def test_max_stops_cuts_an_area_into_consecutive_routes(floor):
    plan = plan_routes(floor.client, floor.admin, max_stops=2)
    assert [(r["area"], len(r["stops"])) for r in plan["routes"]] == [("GB-BD", 2), ("GB-LS", 2), ("GB-LS", 1)]


def test_reorder_a_route_and_a_mismatched_set_names_stops(floor):
    leeds = plan_routes(floor.client, floor.admin)["routes"][1]
    stops = [s["id"] for s in leeds["stops"]]
    reordered = floor.post(f"/api/routes/{leeds['id']}/order", {"stops": stops[::-1]})
    assert [s["id"] for s in reordered["stops"]] == stops[::-1]
    assert [s["seq"] for s in reordered["stops"]] == [1, 2, 3]
    assert reordered["km"] == pytest.approx(leeds["km"], abs=0.2)  # the same round driven backwards
    wrong = floor.post(f"/api/routes/{leeds['id']}/order", {"stops": stops[:2]}, expect=422)
    assert (wrong["error"], wrong["field"]) == ("stops_mismatch", "stops")
    missing = floor.post("/api/routes/999/order", {"stops": stops}, expect=404)
    assert missing["field"] == "route"


def test_move_a_stop_to_another_route_renumbers_both(floor):
    bradford, leeds = plan_routes(floor.client, floor.admin)["routes"]
    moving = leeds["stops"][1]
    moved = floor.post(f"/api/stops/{moving['id']}/move", {"route": bradford["id"], "position": 1})
    assert moved["id"] == bradford["id"]
    assert [s["id"] for s in moved["stops"]] == [moving["id"]] + [s["id"] for s in bradford["stops"]]
    assert [s["seq"] for s in moved["stops"]] == [1, 2, 3]
    left = floor.route(leeds["id"])
    assert [s["id"] for s in left["stops"]] == [leeds["stops"][0]["id"], leeds["stops"][2]["id"]]
    assert [s["seq"] for s in left["stops"]] == [1, 2]
    last = floor.post(f"/api/stops/{moving['id']}/move", {"route": leeds["id"]})  # default: the end
    assert last["stops"][-1]["id"] == moving["id"]
    nowhere = floor.post(f"/api/stops/{moving['id']}/move", {"route": 999}, expect=404)
    assert nowhere["field"] == "route"


def test_assign_a_driver_and_refuse_someone_who_is_not_one(floor):
    route = plan_routes(floor.client, floor.admin)["routes"][0]
    assert route["driver"] is None
    assert floor.post(f"/api/routes/{route['id']}/driver", {"driver": "dave"})["driver"] == "dave"
    picker = floor.post(f"/api/routes/{route['id']}/driver", {"driver": "pia"}, expect=422)
    assert (picker["error"], picker["field"]) == ("not_a_driver", "driver")
    nobody = floor.post(f"/api/routes/{route['id']}/driver", {"driver": "ghost"}, expect=404)
    assert nobody["field"] == "driver"
    assert floor.post(f"/api/routes/{route['id']}/driver", {}, expect=400)["field"] == "driver"


def test_a_driver_pulls_their_route_and_loses_it_when_it_is_given_to_another(floor):
    bradford, _ = plan_routes(floor.client, floor.admin, driver="dan")["routes"]
    first = floor.dan.pull()
    assert {r["id"] for r in first["routes"]} >= {bradford["id"]}
    mine = [s for s in first["stops"] if s["route_id"] == bradford["id"]]
    assert [s["id"] for s in mine] == [s["id"] for s in bradford["stops"]]
    assert {p["code"] for p in first["packages"] if p["route_id"] == bradford["id"]} == {"P-R-2", "P-R-4"}
    # dan may read his route; dave may not, until it is his.
    assert floor.route(bradford["id"], floor.dan.headers)["id"] == bradford["id"]
    assert floor.client.get(f"/api/routes/{bradford['id']}", headers=floor.dave.headers).status_code == 403
    floor.post(f"/api/routes/{bradford['id']}/driver", {"driver": "dave"})
    later = floor.dan.pull(first["cursor"])
    removed = {(r["entity"], r["id"]) for r in later["removed"]}
    assert ("route", bradford["id"]) in removed
    assert {("route_stop", s["id"]) for s in bradford["stops"]} <= removed
    assert not [p for p in later["packages"] if p["route_id"] == bradford["id"]]
    dave = floor.dave.pull()
    assert {p["code"] for p in dave["packages"]} == {"P-R-2", "P-R-4"}
    assert floor.route(bradford["id"], floor.dave.headers)["driver"] == "dave"


def test_the_load_scan_of_a_package_of_another_route_is_rejected(floor):
    bradford, leeds = plan_routes(floor.client, floor.admin, driver="dan")["routes"]
    result = floor.dan.push(floor.dan.op("ship", package="P-R-3", route=bradford["id"]))["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "other_route")
    assert f"route {leeds['id']}" in result["message"]
    assert floor.route(bradford["id"])["status"] == "planned"
    loaded = floor.dan.push(floor.dan.op("ship", package="P-R-2", route=bradford["id"]))["results"][0]
    assert loaded["status"] == "applied" and floor.route(bradford["id"])["status"] == "out"


def test_deliveries_and_failures_settle_each_stop_and_then_the_route(floor):
    bradford, _ = plan_routes(floor.client, floor.admin, driver="dan")["routes"]
    dan = floor.dan
    dan.push(*(dan.op("ship", package=code, route=bradford["id"]) for code in ("P-R-2", "P-R-4")))
    first, second = (s["packages"][0]["code"] for s in bradford["stops"])
    assert dan.push(dan.op("deliver", package=first, recipient="Ann Lee"))["results"][0]["status"] == "applied"
    route = floor.route(bradford["id"])
    assert [s["status"] for s in route["stops"]] == ["delivered", "pending"] and route["status"] == "out"
    assert route["stops"][0]["packages"][0]["last_attempt"]["outcome"] == "delivered"
    failed = dan.push(dan.op("deliver_failed", package=second, reason="not_home", note="left a card"))["results"][0]
    assert failed["status"] == "applied"
    route = floor.route(bradford["id"])
    assert [s["status"] for s in route["stops"]] == ["delivered", "failed"] and route["status"] == "done"
    attempt = route["stops"][1]["packages"][0]["last_attempt"]
    assert (attempt["outcome"], attempt["reason"]) == ("failed", "not_home")
    # A finished route takes no more changes.
    done = floor.post(f"/api/routes/{bradford['id']}/driver", {"driver": "dave"}, expect=409)
    assert done["error"] == "route_done"


def test_a_failed_package_returned_to_the_depot_is_planned_again_on_a_new_route(floor):
    bradford, _ = plan_routes(floor.client, floor.admin, driver="dan")["routes"]
    dan = floor.dan
    dan.push(dan.op("ship", package="P-R-2", route=bradford["id"]))
    dan.push(dan.op("deliver_failed", package="P-R-2", reason="access"))
    assert dan.push(dan.op("return_to_depot", package="P-R-2"))["results"][0]["status"] == "applied"
    again = plan_routes(floor.client, floor.admin, driver="dave")
    (route,) = again["routes"]
    assert route["id"] != bradford["id"] and _packages(route) == [["P-R-2"]]
    assert route_of(again, "P-R-2")["driver"] == "dave"
    assert "P-R-2" not in {c for stop in _packages(floor.route(bradford["id"])) for c in stop}


def test_a_package_routed_meanwhile_is_reported_not_planned_twice(floor, monkeypatch):
    """Between reading the waiting packages and creating the routes, another dispatcher planned one."""
    from server.delivery import service

    real = service.run_ops

    async def racing(db, ops, *, actor, **kw):
        first = await real(db, ops[:1], actor=actor)  # someone else gets the first area in first
        assert first[0].status == "applied"
        return await real(db, ops, actor=actor, **kw)

    monkeypatch.setattr(service, "run_ops", racing)
    plan = plan_routes(floor.client, floor.admin)
    (unplanned,) = plan["unplanned"]
    assert unplanned["area"] == "GB-BD" and unplanned["code"] == "already_routed"
    assert sorted(unplanned["packages"]) == ["P-R-2", "P-R-4"]
    assert [r["area"] for r in plan["routes"]] == ["GB-LS"]


def test_a_supervisor_plans_and_the_other_roles_may_not(floor):
    sue = login(floor.client, "sue", create_user("sue", "supervisor"))
    assert floor.client.post("/api/routes/plan", json={}, headers=sue).status_code == 200
    for device in (floor.dan, floor.picker, floor.packer):
        assert floor.client.post("/api/routes/plan", json={}, headers=device.headers).status_code == 403
    assert floor.client.get("/api/routes/999", headers=floor.dan.headers).status_code == 404


def test_the_timeline_lists_the_order_s_journey_in_order_with_times(floor):
    bradford, _ = plan_routes(floor.client, floor.admin, driver="dan")["routes"]
    dan = floor.dan
    dan.push(dan.op("ship", package="P-R-2", route=bradford["id"]), dan.op("ship", package="P-R-4", route=bradford["id"]))
    dan.push(dan.op("deliver", package="P-R-2", recipient="Ann Lee", signature="sig-1", photo="photo-1", lat=53.795, lon=-1.752))
    dan.push(dan.op("deliver_failed", package="P-R-4", reason="not_home", note="dog in the garden"))
    dan.push(dan.op("return_to_depot", package="P-R-4"))

    def timeline(ref: str) -> list[dict]:
        response = floor.client.get(f"/api/orders/{floor.orders[ref]['id']}/timeline", headers=floor.admin)
        assert response.status_code == 200, response.text
        return response.json()

    delivered = timeline("R-2")
    assert [s["kind"] for s in delivered] == [
        "received",
        "allocated",
        "released",
        "picking",
        "picked",
        "packed",
        "sealed",
        "planned",
        "out_for_delivery",
        "shipped",
        "delivered",
        "delivered",
    ]
    times = [s["at"] for s in delivered]
    assert times == sorted(times) and all(times)
    sealed, planned, out = delivered[6:9]
    assert sealed["package"] == "P-R-2" and sealed["detail"] == {"package_type": "BOX-S", "weight_g": 500}
    assert planned["detail"]["route"] == bradford["id"] and out["label"].endswith("out for delivery")
    proof = delivered[-2]
    assert proof["package"] == "P-R-2" and proof["label"] == "Delivered to Ann Lee" and proof["device_at"]
    # The files are on the phone still (or attachments are not stored here yet): not arrived.
    assert proof["detail"]["signature"] == {"id": "sig-1", "arrived": False}
    assert proof["detail"]["photo"] == {"id": "photo-1", "arrived": False}
    assert (proof["detail"]["lat"], proof["detail"]["lon"]) == (53.795, -1.752)
    assert delivered[-1]["package"] is None and delivered[-1]["label"] == "Delivered"

    # The packer sees the journey, not where the door was nor the proof's files.
    as_packer = floor.client.get(f"/api/orders/{floor.orders['R-2']['id']}/timeline", headers=floor.packer.headers).json()
    assert [s["kind"] for s in as_packer] == [s["kind"] for s in delivered]
    assert as_packer[-2]["detail"] == {"recipient": "Ann Lee"}

    failed = timeline("R-4")
    assert [s["kind"] for s in failed][-4:] == ["out_for_delivery", "shipped", "failed", "returned_to_depot"]
    attempt = failed[-2]
    assert attempt["label"] == "Delivery failed: nobody was home"
    assert attempt["detail"] == {"reason": "not_home", "note": "dog in the garden"}

    cancel = floor.client.post(
        f"/api/orders/{floor.orders['R-1']['id']}/cancel", json={"reason": "changed mind"}, headers=floor.admin
    )
    assert cancel.status_code == 200
    cancelled = timeline("R-1")[-1]
    assert (cancelled["kind"], cancelled["label"]) == ("cancelled", "Cancelled: changed mind")
    assert floor.client.get("/api/orders/999/timeline", headers=floor.admin).status_code == 404
