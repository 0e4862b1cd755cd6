"""Holding an order and lifting the hold, on a hand-built State (no database, no HTTP): a held order
gives its reserved units back (to waiting orders first), a lifted hold reserves again, and a hold
for payment and a supervisor's hold never undo each other."""

from __future__ import annotations

import datetime as dt

import pytest

from sync.engine import apply_batch
from sync.model import Line, Location, Order, OrderEvent, Product, Reservation, State, Stock, User
from sync.ops import CancelOrder, HoldOrder, MarkPaid, ReleaseHold
from sync.orders import TRANSITIONS

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
SUE = 1


def floor(status: str = "allocated", payment: str = "paid") -> State:
    """Order 1 (WEB-1) holding 3 of bin A-01's 4 units of SKU-A; order 2 (WEB-2) backordered, waiting for 2."""
    state = State(warehouse_id=1)
    state.products[1] = state.products_by_sku["SKU-A"] = Product(1, "SKU-A", "Thing")
    state.locations[1] = state.locations_by_code["A-01"] = Location(1, 1, "A-01", "bin", 10)
    state.users[SUE] = state.users_by_name["sue"] = User(SUE, "sue", "supervisor", True)
    state.stock[1] = Stock(1, 1, 1, "", None, 4, 3)
    state.orders[1] = Order(1, 1, "WEB-1", 1, 1, 1, status, payment, "token-0001", NOW, NOW)
    state.lines[1] = Line(1, 1, 1, 1, 3, 3, 0, "allocated")
    state.reservations[1] = Reservation(1, 1, 1, 3)
    state.orders[2] = Order(2, 1, "WEB-2", 2, 2, 1, "partially_allocated", "paid", "token-0002", NOW, NOW)
    state.lines[2] = Line(2, 2, 1, 1, 3, 1, 0, "partially_allocated")
    state.reservations[2] = Reservation(2, 2, 1, 1)
    state.stock[1].reserved = 4
    if status == "on_hold":  # as intake or a hold leaves it: nothing reserved
        state.lines[1] = Line(1, 1, 1, 1, 3, 0, 0, "backordered")
        del state.reservations[1]
        state.stock[1].reserved = 1
    return state


def one(state: State, op):
    (outcome,) = apply_batch(state, [op], now=NOW, actor=SUE)
    return outcome


def events(state: State, order_id: int) -> list[tuple[str, str]]:
    return [(e.status, e.note) for e in state.new if isinstance(e, OrderEvent) and e.sales_order == order_id]


def test_a_held_order_gives_its_units_to_the_order_waiting_for_them():
    state = floor()
    outcome = one(state, HoldOrder(order_id=1, reason="address check"))
    assert outcome.status == "applied", outcome
    assert outcome.result == {"order_id": 1, "units_freed": 3}
    assert state.orders[1].status == "on_hold"
    assert (state.lines[1].qty_allocated, state.lines[1].status) == (0, "backordered")
    assert events(state, 1) == [("on_hold", "address check")]
    # WEB-2 was waiting for 2 more: it gets them, and the bin keeps 1 free unit.
    assert (state.lines[2].qty_allocated, state.orders[2].status) == (3, "allocated")
    assert (state.stock[1].on_hand, state.stock[1].reserved) == (4, 3)


def test_lifting_the_hold_reserves_again_what_is_still_free():
    state = floor()
    one(state, HoldOrder(order_id=1, reason="address check"))
    outcome = one(state, ReleaseHold(order_id=1))
    assert outcome.status == "applied", outcome
    # WEB-2 kept what it got meanwhile: WEB-1 finds only the 1 unit left.
    assert outcome.result == {"order_id": 1, "status": "partially_allocated", "units_reserved": 1}
    assert state.orders[1].status == "partially_allocated"
    assert (state.stock[1].on_hand, state.stock[1].reserved) == (4, 4)
    assert events(state, 1)[-1] == ("partially_allocated", "hold released")


def test_a_lifted_hold_with_the_stock_still_free_is_allocated_again():
    state = floor()
    del state.orders[2], state.lines[2], state.reservations[2]
    state.stock[1].reserved = 3
    one(state, HoldOrder(order_id=1, reason="fraud check"))
    assert state.stock[1].reserved == 0
    assert one(state, ReleaseHold(order_id=1)).result["status"] == "allocated"
    assert (state.lines[1].qty_allocated, state.stock[1].reserved) == (3, 3)


@pytest.mark.parametrize("status", ["released", "picking", "picked", "packed", "shipped", "delivered", "cancelled"])
def test_an_order_on_the_floor_or_gone_cannot_be_held(status):
    state = floor(status)
    outcome = one(state, HoldOrder(order_id=1, reason="too late"))
    assert (outcome.status, outcome.code, outcome.field, outcome.http_status) == ("rejected", "cannot_hold", "order_id", 409)
    assert status in outcome.message
    assert state.orders[1].status == status
    assert state.lines[1].qty_allocated == 3


def test_every_status_that_may_be_held_is_one_the_state_machine_allows():
    for status in ("new", "backordered", "partially_allocated", "allocated"):
        assert "on_hold" in TRANSITIONS[status]
        assert one(floor(status), HoldOrder(order_id=1, reason="check")).status == "applied"


def test_a_payment_hold_is_not_lifted_by_release_hold_nor_held_again():
    state = floor("on_hold", payment="pending")
    released = one(state, ReleaseHold(order_id=1))
    assert (released.status, released.code) == ("rejected", "payment_pending")
    assert "mark paid" in released.message
    held = one(state, HoldOrder(order_id=1, reason="fraud check"))
    assert (held.status, held.code) == ("rejected", "already_on_hold")
    assert "waiting for payment" in held.message
    # Payment is what lets it go.
    assert one(state, MarkPaid(order_id=1)).status == "applied"
    assert state.orders[1].status in ("allocated", "partially_allocated")


def test_mark_paid_does_not_lift_a_supervisors_hold():
    state = floor()
    one(state, HoldOrder(order_id=1, reason="fraud check"))
    assert one(state, MarkPaid(order_id=1)).status == "applied"  # already paid: nothing to do
    assert state.orders[1].status == "on_hold"
    assert state.lines[1].qty_allocated == 0


def test_release_hold_of_an_order_not_on_hold_and_of_an_unknown_order_are_refused():
    state = floor()
    outcome = one(state, ReleaseHold(order_id=1))
    assert (outcome.status, outcome.code, outcome.http_status) == ("rejected", "not_on_hold", 409)
    missing = one(state, HoldOrder(order_id=99, reason="x"))
    assert (missing.code, missing.field, missing.http_status) == ("unknown_order", "order_id", 404)
    assert one(state, ReleaseHold(order_id=99)).code == "unknown_order"


def test_a_held_order_can_still_be_cancelled():
    state = floor()
    one(state, HoldOrder(order_id=1, reason="customer asked to wait"))
    assert one(state, CancelOrder(order_id=1, reason="customer gave up")).status == "applied"
    assert state.orders[1].status == "cancelled"
