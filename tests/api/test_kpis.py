"""KPIs checked against a warehouse's two days whose right answers were worked out by hand.

Every fact is recorded the way the warehouse records it: ops applied by the one engine transaction
(server.apply.runner.engine_transaction), each at a commit time the test chooses, so the ledger and
the order timeline hold exactly what two real days would have left there. Nothing is written to
those tables behind the engine's back.

The days (UTC), Monday 2026-11-02 and Tuesday 2026-11-03:

    order  received      lines         promised      picked by       shipped      delivered
    O1     Mon 08:00     3 A + 1 B     Mon 18:00     pia             Mon 13:00    Tue 10:00
    O2     Mon 09:00     2 A           Tue 12:00     pia (over-pick) Mon 15:00    Tue 12:00   1 A returned Tue 14:00
    O3     Mon 10:00     2 B + 1 A     Mon 12:00     raj (offline)   Mon 17:00    Tue 16:00
    O4     Tue 08:00     2 C + 1 A     —             raj (1 C short)  —            —

pia picks online Mon 10:00, 10:06, 10:12, 10:18 and 10:30 (the last one 2 A for a line needing 1:
an over-pick). raj picks O3 offline at 11:00, 11:05, 11:10 on his phone's clock and pushes the three
at 12:00; on Tuesday he picks at 09:00, then (35 minutes later: a new session) at 09:35, and reports
the last C short (damaged) at 09:50.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from server.apply.runner import engine_transaction
from server.db import Database
from sync.engine import Submission
from sync.ops import (
    AddressArgs,
    AdjustStock,
    CustomerArgs,
    Deliver,
    IntakeOrder,
    LineArgs,
    Pack,
    Pick,
    PickShort,
    ReleaseWave,
    ReturnReceive,
    Seal,
    Ship,
)
from tests.support import create_package_type, create_user, db_config, login
from tests.warehouse import Warehouse

MON, TUE = dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), dt.UTC)


class Floor:
    """Applies ops through the engine at chosen commit times, as `username` (from `device`, when given)."""

    def __init__(self):
        self.seqs: dict[str, int] = {}

    def apply(self, when: dt.datetime, username: str, *ops, device: str | None = None, device_times=()):
        async def go():
            db = Database(db_config())
            await db.start()
            try:
                actor = await db.fetchrow("SELECT id FROM app_user WHERE username = ?", username)
                batch: list = []
                for n, op in enumerate(ops):
                    if device is None:
                        batch.append(op)
                        continue
                    self.seqs[device] = self.seqs.get(device, 0) + 1
                    device_at = device_times[n] if device_times else when
                    batch.append(Submission(op, self.seqs[device], device_at))
                return await engine_transaction(
                    db,
                    lambda engine: engine.apply(batch, now=when, actor=actor["id"], actor_name=username, device_id=device),
                )
            finally:
                await db.close()

        outcomes = asyncio.run(go())
        return [(o.status, o.code) for o in outcomes]


def _order(ref: str, lines: list[tuple[str, int]], promised: dt.datetime | None) -> IntakeOrder:
    return IntakeOrder(
        channel="manual",
        external_ref=ref,
        customer=CustomerArgs(name=f"Customer {ref}"),
        ship_to=AddressArgs(line1="1 Dock Road", city="Leeds", postcode="LS1 1AA", country="GB"),
        lines=[LineArgs(sku=sku, qty=qty) for sku, qty in lines],
        tracking_token=f"track-{ref}-token",
        promised_at=promised,
    )


@pytest.fixture
def two_days(client, admin):
    """The two days above, recorded; returns the supervisor's headers."""
    warehouse = Warehouse(client, admin)
    for sku in ("SKU-A", "SKU-B", "SKU-C"):
        warehouse.product(sku, f"Product {sku[-1]}")
    for n, code in enumerate(("A-01", "A-02", "B-01", "R-01"), start=1):
        warehouse.location(code, n * 10, kind="returns" if code == "R-01" else "bin")
    for name, role in (("sam", "supervisor"), ("pia", "picker"), ("raj", "picker"), ("paco", "packer"), ("dan", "driver")):
        create_user(name, role)
    create_package_type("BOX-M")
    floor = Floor()
    ok = [("applied", None)]

    stock = [
        AdjustStock(location=l, sku=s, qty_delta=q, reason="opening stock")
        for l, s, q in (("A-01", "SKU-A", 20), ("A-02", "SKU-B", 10), ("B-01", "SKU-C", 2))
    ]
    assert floor.apply(at(MON, "07:00"), "sam", *stock) == ok * 3
    ids = {}
    for ref, day, hhmm, lines, promised in (
        ("O1", MON, "08:00", [("SKU-A", 3), ("SKU-B", 1)], at(MON, "18:00")),
        ("O2", MON, "09:00", [("SKU-A", 2)], at(TUE, "12:00")),
        ("O3", MON, "10:00", [("SKU-B", 2), ("SKU-A", 1)], at(MON, "12:00")),
        ("O4", TUE, "08:00", [("SKU-C", 2), ("SKU-A", 1)], None),
    ):
        (outcome,) = asyncio.run(_intake(at(day, hhmm), _order(ref, lines, promised)))
        ids[ref] = outcome
    lines = {
        ref: [l["id"] for l in client.get(f"/api/orders/{order_id}", headers=admin).json()["lines"]]
        for ref, order_id in ids.items()
    }

    assert floor.apply(at(MON, "09:30"), "sam", ReleaseWave(order_ids=[ids["O1"], ids["O2"]], picker="pia")) == ok
    assert floor.apply(at(MON, "10:30"), "sam", ReleaseWave(order_ids=[ids["O3"]], picker="raj")) == ok
    assert floor.apply(at(TUE, "08:30"), "sam", ReleaseWave(order_ids=[ids["O4"]], picker="raj")) == ok

    def pick(ref: str, line: int, location: str, sku: str, qty: int) -> Pick:
        return Pick(order_line_id=lines[ref][line], location=location, sku=sku, qty=qty, tote="TOTE-1")

    # pia, online: each scan commits as she makes it.
    for hhmm, op in (
        ("10:00", pick("O1", 0, "A-01", "SKU-A", 1)),
        ("10:06", pick("O1", 0, "A-01", "SKU-A", 2)),
        ("10:12", pick("O1", 1, "A-02", "SKU-B", 1)),
        ("10:18", pick("O2", 0, "A-01", "SKU-A", 1)),
    ):
        assert floor.apply(at(MON, hhmm), "pia", op, device="pia-phone") == ok
    over = floor.apply(at(MON, "10:30"), "pia", pick("O2", 0, "A-01", "SKU-A", 2), device="pia-phone")
    assert over == [("adjusted", "over_pick")]
    # raj, offline: three scans on his phone's clock, pushed together at noon.
    offline = [pick("O3", 0, "A-02", "SKU-B", 1), pick("O3", 0, "A-02", "SKU-B", 1), pick("O3", 1, "A-01", "SKU-A", 1)]
    pushed = floor.apply(
        at(MON, "12:00"), "raj", *offline, device="raj-phone", device_times=[at(MON, t) for t in ("11:00", "11:05", "11:10")]
    )
    assert pushed == ok * 3

    def pack(ref: str, line: int, sku: str, qty: int) -> Pack:
        return Pack(order_line_id=lines[ref][line], sku=sku, qty=qty, package=f"P-{ref}")

    for ref, hhmm, packs in (
        ("O1", "11:00", [pack("O1", 0, "SKU-A", 3), pack("O1", 1, "SKU-B", 1)]),
        ("O2", "12:30", [pack("O2", 0, "SKU-A", 2)]),
        ("O3", "13:00", [pack("O3", 0, "SKU-B", 2), pack("O3", 1, "SKU-A", 1)]),
    ):
        sealed = Seal(package=f"P-{ref}", package_type="BOX-M", weight_g=900)
        assert floor.apply(at(MON, hhmm), "paco", *packs, sealed, device="paco-phone") == ok * (len(packs) + 1)
    for ref, hhmm in (("O1", "13:00"), ("O2", "15:00"), ("O3", "17:00")):
        assert floor.apply(at(MON, hhmm), "dan", Ship(package=f"P-{ref}")) == ok
    for ref, hhmm in (("O1", "10:00"), ("O2", "12:00"), ("O3", "16:00")):
        assert floor.apply(at(TUE, hhmm), "dan", Deliver(package=f"P-{ref}", recipient="Jo")) == ok
    returned = ReturnReceive(order_id=ids["O2"], sku="SKU-A", qty=1, condition="resellable", location="R-01")
    assert floor.apply(at(TUE, "14:00"), "paco", returned, device="paco-phone") == ok

    # Tuesday: raj picks O4's A, then after a 35-minute pause one C, and finds the other C damaged.
    assert floor.apply(at(TUE, "09:00"), "raj", pick("O4", 1, "A-01", "SKU-A", 1), device="raj-phone") == ok
    assert floor.apply(at(TUE, "09:35"), "raj", pick("O4", 0, "B-01", "SKU-C", 1), device="raj-phone") == ok
    short = PickShort(order_line_id=lines["O4"][0], location="B-01", sku="SKU-C", qty_short=1, reason="damaged")
    assert floor.apply(at(TUE, "09:50"), "raj", short, device="raj-phone") == ok

    statuses = {ref: client.get(f"/api/orders/{i}", headers=admin).json()["status"] for ref, i in ids.items()}
    assert statuses == {"O1": "delivered", "O2": "delivered", "O3": "delivered", "O4": "picking"}
    return login(client, "sam", "sam-password")


async def _intake(when: dt.datetime, op: IntakeOrder) -> list[int]:
    db = Database(db_config())
    await db.start()
    try:
        sam = await db.fetchrow("SELECT id FROM app_user WHERE username = 'sam'")
        outcomes = await engine_transaction(db, lambda engine: engine.apply([op], now=when, actor=sam["id"]))
        assert outcomes[0].status == "applied", outcomes[0].message
        return [outcomes[0].result["order_id"]]
    finally:
        await db.close()


def _kpis(client, headers, first: dt.date, last: dt.date, bucket: str = "day") -> dict[str, dict]:
    response = client.get("/api/kpis", params={"from": str(first), "to": str(last), "bucket": bucket}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return {k["name"]: k for k in body["kpis"]} | {"_": body}


def test_the_two_days_kpis_match_the_hand_count(client, two_days):
    kpis = _kpis(client, two_days, MON, TUE)
    assert kpis["_"]["buckets"] == ["2026-11-02", "2026-11-03"]

    lead = kpis["lead_time"]
    # received → shipped: O1 13:00−08:00 = 5 h, O2 15:00−09:00 = 6 h, O3 17:00−10:00 = 7 h.
    # median of [5, 6, 7] = 6; p90 by nearest rank: rank ⌈0.9·3⌉ = 3 → 7.
    # received → delivered: O1 Tue 10:00−Mon 08:00 = 26 h, O2 Tue 12:00−Mon 09:00 = 27 h, O3 Tue 16:00−Mon 10:00 = 30 h.
    assert lead["total"]["parts"] == {
        "shipped_orders": 3,
        "shipped_median_h": 6.0,
        "shipped_p90_h": 7.0,
        "delivered_orders": 3,
        "delivered_median_h": 27.0,
        "delivered_p90_h": 30.0,
    }
    assert lead["total"]["value"] == 6.0
    monday, tuesday = lead["series"]
    assert (monday["bucket"], monday["parts"]["shipped_orders"], monday["parts"]["delivered_orders"]) == ("2026-11-02", 3, 0)
    assert (tuesday["value"], tuesday["parts"]["delivered_median_h"]) == (None, 27.0)

    accuracy = kpis["pick_accuracy"]
    # 10 pick ops: 9 applied, 1 over-pick (pia's 10:30); 1 short pick (raj, Tue 09:50).
    # accuracy = applied / (applied + errors + short) = 9 / (9 + 1 + 1) = 0.8182
    assert accuracy["total"]["value"] == 0.8182
    assert accuracy["total"]["parts"] == {"accurate": 9, "errors": 1, "short_picks": 1, "other": 0, "pick_ops": 10}
    # Monday (by commit time): pia 4 applied + 1 over-pick, raj's pushed 3 applied → 7 / 8 = 0.875.
    # Tuesday: raj 2 applied + 1 short → 2 / 3 = 0.6667.
    assert [p["value"] for p in accuracy["series"]] == [0.875, 0.6667]

    on_time = kpis["on_time_shipment"]
    # O1 shipped Mon 13:00 ≤ promise Mon 18:00 ✓; O2 Mon 15:00 ≤ Tue 12:00 ✓; O3 Mon 17:00 > Mon 12:00 ✗.
    # 2 on time / 3 shipped with a promise = 0.6667 (O4 never shipped).
    assert on_time["total"]["value"] == 0.6667
    assert on_time["total"]["parts"] == {"on_time": 2, "late": 1, "shipped_with_promise": 3, "shipped_without_promise": 0}
    assert [p["value"] for p in on_time["series"]] == [0.6667, None]

    fill = kpis["fill_rate"]
    # Orders received in the period: O1 4 units, O2 2, O3 3 (all shipped by Tue 24:00), O4 3 (not shipped).
    # (4 + 2 + 3) / (4 + 2 + 3 + 3) = 9 / 12 = 0.75; Monday 9 / 9 = 1.0; Tuesday 0 / 3 = 0.0.
    assert fill["total"]["value"] == 0.75
    assert fill["total"]["parts"] == {
        "orders": 4,
        "ordered_units": 12,
        "shipped_orders": 3,
        "shipped_units": 9,
        "cancelled_orders": 0,
    }
    assert [p["value"] for p in fill["series"]] == [1.0, 0.0]

    returns = kpis["return_rate"]
    # 1 unit of O2 returned / units of the orders delivered in the period (O1 4 + O2 2 + O3 3 = 9) = 0.1111.
    assert returns["total"]["value"] == 0.1111
    assert returns["total"]["parts"] == {"returned_units": 1, "delivered_units": 9, "returned_orders": 1, "delivered_orders": 3}
    assert [p["value"] for p in returns["series"]] == [None, 0.1111]

    uph = kpis["units_per_hour"]
    # pia: one session 10:00–10:30 (gaps of 6, 6, 6, 12 min), units 1 + 2 + 1 + 1 + 1 = 6 (the over-pick
    #   filled its line with 1) → 6 / 0.5 h = 12.0.
    # raj: Mon 11:00–11:10 on his phone's clock (3 units, 10 min; the commit times are all 12:00),
    #   Tue 09:00 alone (1 unit, no measurable time: 35 min to the next scan > 30), Tue 09:35–09:50
    #   (1 unit and the short report, 15 min) → timed units 3 + 1 = 4 over 25 min → 4 / (25/60) = 9.6.
    # Everyone: timed 6 + 4 = 10 units over 30 + 25 = 55 min → 10 / (55/60) = 10.909… → 10.91.
    assert uph["by_picker"] == [
        {"picker": "pia", "sessions": 1, "units": 6, "timed_units": 6, "active_hours": 0.5, "units_per_hour": 12.0},
        {"picker": "raj", "sessions": 3, "units": 5, "timed_units": 4, "active_hours": 0.42, "units_per_hour": 9.6},
    ]
    assert uph["total"]["value"] == 10.91
    assert (uph["total"]["parts"]["units"], uph["total"]["parts"]["sessions"]) == (11, 4)
    # Monday's sessions: pia 6 units in 30 min + raj 3 in 10 min → 9 / (40/60) = 13.5.
    # Tuesday's: raj's timed session, 1 unit in 15 min → 4.0.
    assert [p["value"] for p in uph["series"]] == [13.5, 4.0]


def test_a_single_past_day_is_recomputed_from_the_same_records(client, two_days):
    kpis = _kpis(client, two_days, TUE, TUE)
    # Tuesday alone: nothing shipped; 3 delivered (26, 27, 30 h); O4 received, 0 of 3 units shipped;
    # picks 2 applied + 1 short → 2/3; returns 1 of 9 delivered units.
    assert kpis["lead_time"]["total"]["parts"]["shipped_orders"] == 0
    assert kpis["lead_time"]["total"]["parts"]["delivered_p90_h"] == 30.0
    assert kpis["fill_rate"]["total"]["value"] == 0.0
    assert kpis["pick_accuracy"]["total"]["value"] == 0.6667
    assert kpis["on_time_shipment"]["total"]["value"] is None
    assert kpis["return_rate"]["total"]["value"] == 0.1111
    # Week buckets: both days fall in the week starting Monday 2 November.
    week = _kpis(client, two_days, MON, TUE, bucket="week")
    assert week["_"]["buckets"] == ["2026-11-02"]
    assert week["fill_rate"]["series"][0]["value"] == 0.75


def test_csv_exports_hold_the_same_numbers(client, two_days):
    params = {"from": str(MON), "to": str(TUE)}
    response = client.get("/api/kpis/fill_rate.csv", params=params, headers=two_days)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "fill_rate_2026-11-02_2026-11-03.csv" in response.headers["content-disposition"]
    assert response.text.splitlines() == [
        "bucket,value,orders,ordered_units,shipped_orders,shipped_units,cancelled_orders",
        "2026-11-02,1.0,3,9,3,9,0",
        "2026-11-03,0.0,1,3,0,0,0",
    ]
    response = client.get("/api/kpis/units_per_hour.csv", params=params, headers=two_days)
    assert response.text.splitlines() == [
        "picker,sessions,units,timed_units,active_hours,units_per_hour",
        "pia,1,6,6,0.5,12.0",
        "raj,3,5,4,0.42,9.6",
    ]
    response = client.get("/api/kpis/return_rate.csv", params=params, headers=two_days)
    assert response.text.splitlines()[1:] == ["2026-11-02,,0,0,0,0", "2026-11-03,0.1111,1,9,1,3"]


@pytest.mark.parametrize(
    "params, status, field",
    [
        ({"from": "2026-11-03", "to": "2026-11-02"}, 400, "to"),
        ({"from": "2025-11-01", "to": "2026-11-02"}, 400, "to"),
        ({"from": "2026-13-01", "to": "2026-11-02"}, 400, "from"),
        ({"to": "2026-11-02"}, 400, "from"),
        ({"from": "2026-11-01", "to": "2026-11-02", "bucket": "hour"}, 400, "bucket"),
    ],
    ids=["to before from", "over 366 days", "not a date", "from missing", "unknown bucket"],
)
def test_a_bad_period_is_refused_naming_the_field(client, admin, params, status, field):
    response = client.get("/api/kpis", params=params, headers=admin)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field, response.json()


def test_an_unknown_kpi_export_is_404_naming_it(client, admin):
    response = client.get("/api/kpis/speed.csv", params={"from": "2026-11-01", "to": "2026-11-02"}, headers=admin)
    assert response.status_code == 404
    assert response.json()["field"] == "name"
    assert "fill_rate.csv" in response.json()["message"]


def test_an_empty_period_has_zero_counts_and_no_values(client, admin):
    kpis = _kpis(client, admin, dt.date(2026, 1, 1), dt.date(2026, 1, 3))
    assert len(kpis["fill_rate"]["series"]) == 3
    assert kpis["return_rate"]["total"] == {
        "value": None,
        "parts": {"returned_units": 0, "delivered_units": 0, "returned_orders": 0, "delivered_orders": 0},
        "bucket": None,
    }
    assert kpis["units_per_hour"]["by_picker"] == []
