"""A Hypothesis state machine that drives the real REST API and checks the allocation invariants.

Each example starts from an emptied database with a small warehouse: SKU-A/B/C, pickable bins
A-01..A-06 and one non-pickable staging location (STAGE-1, first on the walk, holding stock that
must never be reserved). Random steps then take in orders (sometimes re-sending an external_ref,
sometimes with payment pending, sometimes invalid), pay held orders, cancel random orders (legal
or not), adjust stock up and down (sometimes below zero) and release waves of orders to a picker.

After every step the database itself is read (not the API) and these must hold:

* stock never goes negative, and never less than what is reserved on it;
* a stock row's `reserved` is exactly the sum of the reservations on it;
* reservations are only ever taken on pickable bins (never the staging location);
* a line's `qty_allocated` is exactly the sum of its reservations, and never more than its qty;
* a cancelled line (and a held or cancelled order) holds no reservation;
* a line's status follows from its quantities, and an order that is still being allocated has the
  status its lines imply;
* units are conserved per SKU: on hand == the sum of the adjustments the API accepted (rejected
  adjustments count for nothing), per bin and in total;
* no overselling: units reserved for a SKU never exceed its units on hand in pickable bins;
* no stock idles while an order waits for it: a short line of an order awaiting stock means no
  pickable unit of that SKU is unreserved;
* an external_ref makes one order, however often the channel sends it;
* every order's status timeline (read through `GET /api/orders/{id}`) starts at `new`, only ever
  grows, takes only steps allowed by `sync.orders.TRANSITIONS`, and ends at the order's status.

And for every request: no 5xx ever; the status code is the one the rules call for; a rejected
request (4xx) changed nothing at all (stock, orders, lines, reservations, timelines, waves, tasks
and the ledger are as before).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from server.db import Database
from sync.orders import ALLOCATABLE, AWAITING_STOCK, TRANSITIONS, allocation_status
from tests import support
from tests.warehouse import small_warehouse

SKUS = ("SKU-A", "SKU-B", "SKU-C")
BINS = ("A-01", "A-02", "A-03", "A-04")  # of the six bins small_warehouse makes, the ones steps touch
STAGING = "STAGE-1"
ADJUST_LOCATIONS = BINS + (STAGING,)
OPENING_STOCK = {"SKU-A": [("A-01", 5), ("A-03", 5)], "SKU-B": [("A-02", 6)], "SKU-C": [("A-04", 3)]}
STAGED = ("SKU-A", 4)  # units put on the staging location at set-up: never reservable
PICKER, ADMIN = "pia", "root"
UNKNOWN_ORDER = 10**6


# -- direct database access --------------------------------------------------------------------------


class DirectDb:
    """The test's own connection to the test database (either engine), on a private event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.db = Database(support.db_config())
        self.loop.run_until_complete(self.db.start())

    def close(self) -> None:
        self.loop.run_until_complete(self.db.close())
        self.loop.close()

    def read(self, queries: dict[str, str]) -> dict[str, list[tuple]]:
        """Run every query in one read transaction (one consistent snapshot)."""

        async def run():
            async with self.db.read() as tx:
                return {name: [tuple(r) for r in await tx.fetch(sql)] for name, sql in queries.items()}

        return self.loop.run_until_complete(run())

    def write(self, statements: list[tuple[str, tuple]]) -> None:
        async def run():
            async with self.db.write() as tx:
                for sql, args in statements:
                    await tx.execute(sql, *args)

        self.loop.run_until_complete(run())


_SNAPSHOT_SQL = {
    "stock": "SELECT s.id, l.code, l.kind, p.sku, s.lot, s.on_hand, s.reserved FROM stock s "
    "JOIN location l ON l.id = s.location JOIN product p ON p.id = s.product ORDER BY s.id",
    "orders": "SELECT id, external_ref, status, payment_status FROM sales_order ORDER BY id",
    "lines": "SELECT l.id, l.sales_order, l.line_no, p.sku, l.qty, l.qty_allocated, l.qty_picked, l.status "
    "FROM order_line l JOIN product p ON p.id = l.product ORDER BY l.id",
    "reservations": "SELECT id, order_line, stock, qty FROM reservation ORDER BY id",
    "events": "SELECT sales_order, status FROM order_event ORDER BY id",
    "waves": "SELECT id, picker, status FROM wave ORDER BY id",
    "tasks": "SELECT id, wave, sales_order, order_line, location, qty, status FROM pick_task ORDER BY id",
    "ledger": "SELECT COUNT(*) FROM ledger",
}


@dataclass(frozen=True)
class Snapshot:
    stock: dict[int, tuple]  # id -> (location, kind, sku, lot, on_hand, reserved)
    orders: dict[int, tuple]  # id -> (external_ref, status, payment_status)
    lines: dict[int, tuple]  # id -> (order, line_no, sku, qty, qty_allocated, qty_picked, status)
    reservations: dict[int, tuple]  # id -> (line, stock, qty)
    timelines: dict[int, tuple[str, ...]]
    waves: tuple
    tasks: tuple
    ledger_rows: int

    @classmethod
    def read(cls, db: DirectDb) -> Snapshot:
        r = db.read(_SNAPSHOT_SQL)
        timelines: dict[int, list[str]] = defaultdict(list)
        for order_id, status in r["events"]:
            timelines[order_id].append(status)
        return cls(
            stock={row[0]: row[1:] for row in r["stock"]},
            orders={row[0]: row[1:] for row in r["orders"]},
            lines={row[0]: row[1:] for row in r["lines"]},
            reservations={row[0]: row[1:] for row in r["reservations"]},
            timelines={k: tuple(v) for k, v in timelines.items()},
            waves=tuple(r["waves"]),
            tasks=tuple(r["tasks"]),
            ledger_rows=r["ledger"][0][0],
        )

    def domain(self) -> tuple:
        """Everything but the ledger (an accepted no-op, like a duplicate intake, still gets a ledger row)."""
        return (self.stock, self.orders, self.lines, self.reservations, self.timelines, self.waves, self.tasks)

    def status(self, order_id: int) -> str | None:
        row = self.orders.get(order_id)
        return None if row is None else row[1]


# -- made once per run: the app (building its routes and schema is the slow part of a fresh start), and
# -- the users (Argon2 makes creating them slow), whose rows are copied back after each reset ----------------

_APP: dict[str, object] = {}
_USERS: dict[str, object] = {}


def _app():
    if "app" not in _APP:
        from server.app import create_app

        _APP["app"] = create_app()
    return _APP["app"]


def _users(db: DirectDb) -> tuple[list[tuple[str, tuple]], dict[str, str]]:
    """Statements that put back the admin and the picker (with the admin's bearer token), and its headers."""
    if not _USERS:
        from litestar.testing import TestClient

        support.reset_database()
        password = support.create_user(ADMIN, "admin")
        support.create_user(PICKER, "picker")
        with TestClient(_app()) as client:
            headers = support.login(client, ADMIN, password)
        rows = db.read({"app_user": "SELECT * FROM app_user ORDER BY id", "auth_token": "SELECT * FROM auth_token ORDER BY id"})
        statements = []
        for table in ("app_user", "auth_token"):
            names = _column_names(db, table)
            for row in rows[table]:
                placeholders = ", ".join("?" * len(names))
                statements.append((f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})", row))
        _USERS["statements"], _USERS["headers"] = statements, headers
    return _USERS["statements"], _USERS["headers"]  # type: ignore[return-value]


def _column_names(db: DirectDb, table: str) -> list[str]:
    async def run():
        async with db.db.read() as tx:
            if tx.dialect == "postgres":
                rows = await tx.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "AND table_schema = current_schema() ORDER BY ordinal_position",
                    table,
                )
            else:
                rows = await tx.fetch(f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
            return [r[0] for r in rows]

    return db.loop.run_until_complete(run())


# -- the state machine ---------------------------------------------------------------------------------

line_lists = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 5)), min_size=1, max_size=3, unique_by=lambda t: t[0])


class AllocationMachine(RuleBasedStateMachine):
    """Random order intake / payment / cancellation / stock adjustment / wave release through the API."""

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        from litestar.testing import TestClient

        self.db = DirectDb()
        statements, self.headers = _users(self.db)
        support.reset_database()
        self.db.write(statements)
        self.client = TestClient(_app())
        self.client.__enter__()
        try:
            self._set_up_warehouse()
        except BaseException:
            self.teardown()
            raise
        self.order_by_ref: dict[str, int] = {}  # the model: which order each external_ref made
        self.timelines: dict[int, tuple[str, ...]] = {}  # as last read through the API
        self.statuses: set[str] = set()  # of all orders, as of the last check

    def _set_up_warehouse(self) -> None:
        warehouse = small_warehouse(self.client, self.headers, stock=OPENING_STOCK)
        warehouse.location(STAGING, 5, kind="staging")
        # The model: what the accepted adjustments put where.
        self.on_hand: dict[tuple[str, str], int] = defaultdict(int)
        for sku, rows in OPENING_STOCK.items():
            for location, qty in rows:
                self.on_hand[(location, sku)] += qty
        sku, qty = STAGED
        warehouse.stock(sku, STAGING, qty, reason="staged")
        self.on_hand[(STAGING, sku)] += qty

    def teardown(self) -> None:
        try:
            self.client.__exit__(None, None, None)
        finally:
            self.db.close()

    # -- helpers ---------------------------------------------------------------------------------------
    def post(self, path: str, body: dict | None, expect: int | None = None):
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code < 500, f"{path} {body} -> {response.status_code} {response.text}"
        if expect is not None:
            assert response.status_code == expect, f"{path} {body} -> {response.status_code} {response.text}"
        return response

    def get_order(self, order_id: int) -> dict:
        response = self.client.get(f"/api/orders/{order_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def expect_unchanged_if_rejected(self, before: Snapshot, response) -> None:
        if 400 <= response.status_code < 500:
            after = Snapshot.read(self.db)
            assert after.domain() == before.domain(), f"rejected request changed the database: {response.text}"
            assert after.ledger_rows == before.ledger_rows, "rejected REST request left a ledger row"

    # -- rules -----------------------------------------------------------------------------------------
    @rule(
        target=orders,
        ref=st.integers(0, 15),
        lines=line_lists,
        payment=st.sampled_from(["paid", "paid", "paid", "pending"]),
        flaw=st.sampled_from([None] * 6 + ["unknown_sku", "duplicate_sku"]),
    )
    def intake(self, ref, lines, payment, flaw):
        """Take in an order; now and then one with an unknown SKU (404) or one SKU on two lines (422)."""
        external_ref = f"WEB-{ref}"
        if flaw == "unknown_sku":
            lines = lines + [("SKU-NOPE", 1)]
        elif flaw == "duplicate_sku":
            lines = lines + [lines[0]]
        before = Snapshot.read(self.db)
        response = self.post("/api/orders", support.order_body(external_ref, lines, payment_status=payment))
        if external_ref in self.order_by_ref:
            # The channel sent it again (idempotency is checked before the lines): the order we already have, untouched.
            assert response.status_code == 200, response.text
            assert response.json()["id"] == self.order_by_ref[external_ref]
            assert Snapshot.read(self.db).domain() == before.domain(), "a duplicate intake changed something"
            return multiple()
        if flaw is not None:
            assert response.status_code == (404 if flaw == "unknown_sku" else 422), response.text
            assert response.json()["error"] == flaw
            self.expect_unchanged_if_rejected(before, response)
            return multiple()
        assert response.status_code == 201, response.text
        order = response.json()
        self.order_by_ref[external_ref] = order["id"]
        assert [(l["sku"], l["qty"]) for l in order["lines"]] == list(lines)
        if payment == "pending":
            assert order["status"] == "on_hold" and all(l["qty_allocated"] == 0 for l in order["lines"])
        else:
            assert order["status"] in ("allocated", "partially_allocated", "backordered")
        return order["id"]

    @rule(order_id=orders)
    def pay(self, order_id):
        before = Snapshot.read(self.db)
        _, status, payment = before.orders[order_id]
        response = self.post(f"/api/orders/{order_id}/pay", None)
        if payment == "paid":
            assert response.status_code == 200, response.text
            assert Snapshot.read(self.db).domain() == before.domain(), "paying a paid order changed something"
        elif status == "on_hold":
            assert response.status_code == 200, response.text
            order = response.json()
            assert order["payment_status"] == "paid"
            assert order["status"] in ("allocated", "partially_allocated", "backordered")
        else:
            assert response.status_code == 409, response.text
        self.expect_unchanged_if_rejected(before, response)

    @rule(order_id=orders, unknown=st.integers(0, 9), reason=st.sampled_from(["", "customer asked"]))
    def cancel(self, order_id, unknown, reason):
        """Cancel an order, whatever its status (now and then one that does not exist)."""
        if unknown == 9:
            order_id = UNKNOWN_ORDER
        before = Snapshot.read(self.db)
        status = before.status(order_id)
        response = self.post(f"/api/orders/{order_id}/cancel", {"reason": reason})
        if status is None:
            assert response.status_code == 404, response.text
        elif "cancelled" in TRANSITIONS[status]:
            assert response.status_code == 200, response.text
            order = response.json()
            assert order["status"] == "cancelled"
            assert all(l["status"] == "cancelled" and l["qty_allocated"] == 0 for l in order["lines"])
        else:
            assert response.status_code == 409 and response.json()["error"] == "illegal_transition", response.text
        self.expect_unchanged_if_rejected(before, response)

    @rule(
        location=st.sampled_from(ADJUST_LOCATIONS),
        sku=st.sampled_from(SKUS),
        units=st.integers(1, 8),
        kind=st.sampled_from(["in", "in", "out", "out", "too_many_out", "zero"]),
    )
    def adjust(self, location, sku, units, kind):
        """Book a stock difference: units in, units out (at most what is there, so often below what is
        reserved), more out than there is (422 negative_stock), or 0 (422 zero_delta)."""
        on_hand = self.on_hand[(location, sku)]
        delta = {
            "in": units,
            "out": -min(units, on_hand) or -units,
            "too_many_out": -(on_hand + units),
            "zero": 0,
        }[kind]
        before = Snapshot.read(self.db)
        body = {"location": location, "sku": sku, "qty_delta": delta, "reason": "count"}
        response = self.post("/api/stock/adjustments", body)
        if delta == 0 or on_hand + delta < 0:
            assert response.status_code == 422, response.text
            assert response.json()["error"] == ("zero_delta" if delta == 0 else "negative_stock")
        else:
            assert response.status_code == 201, response.text
            self.on_hand[(location, sku)] += delta
            assert response.json()["stock"]["on_hand"] == self.on_hand[(location, sku)]
        self.expect_unchanged_if_rejected(before, response)

    @precondition(lambda self: "allocated" in self.statuses)
    @rule(data=st.data())
    def release_wave(self, data):
        """Release some orders to a picker: mostly allocated ones; now and then a wrong order or a non-picker."""
        before = Snapshot.read(self.db)
        allocated = [order_id for order_id in sorted(before.orders) if before.status(order_id) == "allocated"]
        mixed = data.draw(st.integers(0, 3), label="mixed") == 3
        pool = sorted(before.orders) + [UNKNOWN_ORDER] if mixed else allocated
        order_ids = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True), label="order_ids")
        picker = data.draw(st.sampled_from([PICKER] * 5 + [ADMIN]), label="picker")
        response = self.post("/api/waves", {"order_ids": order_ids, "picker": picker})
        # The picker is checked first, then the orders in the order given: the first problem answers.
        first_problem = next((before.status(i) for i in order_ids if before.status(i) != "allocated"), "none")
        if picker != PICKER:
            assert response.status_code == 422, response.text
        elif first_problem is None:
            assert response.status_code == 404, response.text
        elif first_problem != "none":
            assert response.status_code == 409, response.text
        else:
            assert response.status_code == 201, response.text
            wave = response.json()
            reserved = sum(qty for line, _stock, qty in before.reservations.values() if before.lines[line][0] in order_ids)
            assert sum(task["qty"] for task in wave["tasks"]) == reserved
            after = Snapshot.read(self.db)
            assert all(after.status(order_id) == "released" for order_id in order_ids)
        self.expect_unchanged_if_rejected(before, response)

    # -- invariants --------------------------------------------------------------------------------
    @invariant()
    def allocation_invariants(self):
        """Read the database after every step: the invariants of the module docstring must hold."""
        s = Snapshot.read(self.db)

        reserved_on: dict[int, int] = defaultdict(int)
        allocated_to: dict[int, int] = defaultdict(int)
        for line_id, stock_id, qty in s.reservations.values():
            assert qty > 0, f"empty reservation on line {line_id}"
            reserved_on[stock_id] += qty
            allocated_to[line_id] += qty
            assert s.stock[stock_id][1] == "bin", f"reservation on non-pickable {s.stock[stock_id][0]}"

        on_hand_per_sku: dict[str, int] = defaultdict(int)
        pickable_per_sku: dict[str, int] = defaultdict(int)
        reserved_per_sku: dict[str, int] = defaultdict(int)
        available_per_sku: dict[str, int] = defaultdict(int)
        for stock_id, (location, kind, sku, _lot, on_hand, reserved) in s.stock.items():
            assert on_hand >= 0, f"{location}/{sku} on hand {on_hand}"
            assert 0 <= reserved <= on_hand, f"{location}/{sku} reserved {reserved} of {on_hand}"
            assert reserved == reserved_on[stock_id], (
                f"{location}/{sku} reserved {reserved} but reservations sum to {reserved_on[stock_id]}"
            )
            assert on_hand == self.on_hand[(location, sku)], (
                f"{location}/{sku}: {on_hand} on hand, adjustments say {self.on_hand[(location, sku)]}"
            )
            on_hand_per_sku[sku] += on_hand
            reserved_per_sku[sku] += reserved
            if kind == "bin":
                pickable_per_sku[sku] += on_hand
                available_per_sku[sku] += on_hand - reserved
        for sku in SKUS:
            accepted = sum(qty for (_, s_), qty in self.on_hand.items() if s_ == sku)
            assert on_hand_per_sku[sku] == accepted, f"{sku}: units not conserved"
            assert reserved_per_sku[sku] <= pickable_per_sku[sku], f"{sku} oversold"

        lines_of: dict[int, list[tuple]] = defaultdict(list)
        for line_id, (order_id, _, sku, qty, qty_allocated, qty_picked, status) in s.lines.items():
            lines_of[order_id].append((line_id, sku, qty, qty_allocated, status))
            assert qty_allocated == allocated_to[line_id], (
                f"line {line_id}: allocated {qty_allocated}, reservations {allocated_to[line_id]}"
            )
            assert 0 <= qty_allocated <= qty
            if status == "cancelled":
                assert allocated_to[line_id] == 0, f"cancelled line {line_id} holds a reservation"
            else:
                implied = "allocated" if qty_allocated >= qty else "partially_allocated" if qty_allocated else "backordered"
                assert qty_picked == 0 and status == implied, f"line {line_id} is {status}, quantities say {implied}"

        class _L:  # the shape allocation_status() reads
            def __init__(self, qty, qty_allocated, status):
                self.qty, self.qty_allocated, self.status = qty, qty_allocated, status
                self.drop_ship = False  # this machine's orders have no drop-ship lines

        for order_id, (_ref, status, payment) in s.orders.items():
            lines = lines_of[order_id]
            if status == "cancelled":
                assert all(l[4] == "cancelled" for l in lines), f"cancelled order {order_id} has live lines"
            else:
                assert not any(l[4] == "cancelled" for l in lines)
            if status in ("on_hold", "cancelled"):
                assert all(l[3] == 0 for l in lines), f"{status} order {order_id} holds stock"
            if status in ALLOCATABLE:
                implied = allocation_status([_L(l[2], l[3], l[4]) for l in lines])
                assert status == implied, f"order {order_id} is {status}, its lines say {implied}"
            if status in AWAITING_STOCK:
                for _, sku, qty, qty_allocated, _ in lines:
                    if qty_allocated < qty:
                        assert available_per_sku[sku] == 0, (
                            f"order {order_id} waits for {sku} while {available_per_sku[sku]} unreserved units sit in bins"
                        )
            if payment == "pending":
                assert status in ("on_hold", "cancelled")

        # One order per external_ref, and no order the API did not announce.
        assert {row[0]: order_id for order_id, row in s.orders.items()} == self.order_by_ref

        # Status timelines, read through the API for every order whose history moved.
        for order_id, timeline in s.timelines.items():
            if self.timelines.get(order_id) == timeline:
                continue
            order = self.get_order(order_id)
            api_timeline = tuple(e["status"] for e in order["timeline"])
            assert api_timeline == timeline
            previous = self.timelines.get(order_id, ())
            assert api_timeline[: len(previous)] == previous, f"order {order_id}: history rewritten {previous} -> {api_timeline}"
            assert api_timeline[0] == "new"
            for a, b in zip(api_timeline, api_timeline[1:], strict=False):
                assert b in TRANSITIONS[a], f"order {order_id}: illegal transition {a} -> {b} in {api_timeline}"
            assert api_timeline[-1] == order["status"] == s.status(order_id)
            self.timelines[order_id] = api_timeline
        assert set(s.timelines) == set(s.orders), "an order without a timeline"
        self.statuses = {status for _, status, _ in s.orders.values()}


# A failing run spends up to Hypothesis's 300 s shrinking budget: let it finish and print the example.
@pytest.mark.timeout(900)
def test_allocation_invariants_hold_through_random_api_traffic():
    run_state_machine_as_test(
        AllocationMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
