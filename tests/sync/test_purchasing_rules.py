"""Purchasing rules on a hand-built State (no database, no HTTP): stock that arrives goes to the
oldest promise first, and a purchase order only takes the steps its status allows."""

from __future__ import annotations

import datetime as dt

from sync.engine import apply_batch
from sync.model import Line, Location, Order, Product, PurchaseOrder, State, Supplier, User
from sync.ops import AdjustStock, ApprovePurchaseOrder, SendPurchaseOrder

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
SUE = 1


def waiting_floor(promises: dict[str, dt.datetime | None]) -> State:
    """Bin A-01 (empty) and one backordered order per entry {ref: promised_at}, each waiting for 2 × SKU-A,
    in the given order of arrival (ids 1, 2, …)."""
    state = State(warehouse_id=1)
    state.products[1] = state.products_by_sku["SKU-A"] = Product(1, "SKU-A", "Thing")
    state.locations[1] = state.locations_by_code["A-01"] = Location(1, 1, "A-01", "bin", 10)
    state.users[SUE] = state.users_by_name["sue"] = User(SUE, "sue", "supervisor", True)
    for n, (ref, promised) in enumerate(promises.items(), start=1):
        state.orders[n] = Order(n, 1, ref, n, n, 1, "backordered", "paid", f"token-000{n}", NOW, NOW, promised)
        state.lines[n] = Line(n, n, 1, 1, 2, 0, 0, "backordered")
    return state


def test_arriving_stock_goes_to_the_earliest_promise_then_the_oldest_order():
    state = waiting_floor(
        {
            "OLD-NO-PROMISE": None,
            "LATE": dt.datetime(2026, 12, 20, tzinfo=dt.UTC),
            "NEWER-NO-PROMISE": None,
            "SOON": dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        }
    )
    (outcome,) = apply_batch(
        state, [AdjustStock(location="A-01", sku="SKU-A", qty_delta=5, reason="delivery")], now=NOW, actor=SUE
    )
    assert outcome.status == "applied", outcome
    got = {o.external_ref: (o.status, state.lines[o.id].qty_allocated) for o in state.orders.values()}
    assert got == {
        "SOON": ("allocated", 2),
        "LATE": ("allocated", 2),
        "OLD-NO-PROMISE": ("partially_allocated", 1),
        "NEWER-NO-PROMISE": ("backordered", 0),
    }


def test_a_purchase_order_is_sent_only_once_approved_with_the_lead_time_as_its_date():
    state = State(warehouse_id=1)
    state.suppliers[1] = state.suppliers_by_code["ACME"] = Supplier(1, "ACME", "Acme", "", 5)
    state.purchase_orders[1] = PurchaseOrder(1, 1, 1, "stock", "draft", NOW)
    early = apply_batch(state, [SendPurchaseOrder(po_id=1)], now=NOW, actor=SUE)[0]
    assert (early.status, early.code, early.field) == ("rejected", "illegal_po_transition", "po_id")
    assert state.purchase_orders[1].status == "draft"
    approve, send = apply_batch(state, [ApprovePurchaseOrder(po_id=1), SendPurchaseOrder(po_id=1)], now=NOW, actor=SUE)
    assert (approve.status, send.status) == ("applied", "applied")
    po = state.purchase_orders[1]
    assert (po.status, po.sent_at, po.expected_at) == ("sent", NOW, dt.date(2026, 12, 5))
