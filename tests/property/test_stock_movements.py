"""A bin's audit trail is complete: whatever ops change units, the stock movements add up to the book.

A Hypothesis state machine over the real push endpoint and REST routes, on the guarantee tests'
small floor: a picker's phone picks, short-picks, moves and counts ad hoc (small differences are
booked, big ones wait for approval); a supervisor's tablet receives (some receipts too big for one
scan), counts and moves; the supervisor adjusts stock, approves (as counted or corrected) or
refuses what waits, and cancels orders. After every step, read straight from the database:

* per location × SKU × lot, the movements sum to the stock row's on_hand (the seed's opening stock
  is booked by ops too, so its movements are there), and each movement's `on_hand_after` is the
  running sum;
* each movement names a booked op (applied or adjusted) of its own type and its sender;
* and the guarantee tests' invariants (G1–G4) still hold.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.sync.guarantees.harness import STOCK, RawDB, assert_invariants, op, restore, seed_floor, snapshot

SETTINGS = settings(
    max_examples=int(os.environ.get("SHIPSHAPE_SM_EXAMPLES", 20)),
    stateful_step_count=int(os.environ.get("SHIPSHAPE_SM_STEPS", 15)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
BINS = ("A-01", "A-02", "A-03", "A-04", "A-05", "A-06")
SKUS = tuple(STOCK)
STATS: Counter = Counter()


class MovementMachine(RuleBasedStateMachine):
    world = None  # (client, floor, raw, snapshot), set by the test

    def __init__(self):
        super().__init__()
        self.client, self.floor, self.raw, snap = self.world
        restore(self.raw, snap)
        self.next_seq = {"pia-1": 1, "sam": 1}
        self.lines = [(line["id"], line["sku"]) for order in self.floor.orders[:2] for line in order["lines"]]

    def _push(self, device: str, type_: str, **args) -> dict:
        if device == "sam":
            device_id, headers = self.floor.supervisor_device, self.floor.supervisor
        else:
            user, device_id = self.floor.devices[device]
            headers = self.floor.users[user]
        seq = self.next_seq[device]
        body = {"device_id": device_id, "ops": [op(seq, type_, **args)]}
        response = self.client.post("/api/sync/push", json=body, headers=headers)
        assert response.status_code == 200, response.text
        self.next_seq[device] += 1
        (result,) = response.json()["results"]
        STATS[f"{type_} {result['status']} {result['code'] or ''}".strip()] += 1
        return result

    # -- the picker's phone -------------------------------------------------------------------------
    @rule(line=st.integers(0, 2), bin_=st.sampled_from(BINS), qty=st.integers(1, 4), short=st.booleans())
    def picker_picks(self, line, bin_, qty, short):
        line_id, sku = self.lines[line]
        if short:
            self._push("pia-1", "pick_short", order_line_id=line_id, location=bin_, sku=sku, qty_short=qty, reason="damaged")
        else:
            self._push("pia-1", "pick", order_line_id=line_id, location=bin_, sku=sku, qty=qty, tote="T-1")

    @rule(
        device=st.sampled_from(["pia-1", "sam"]),
        source=st.sampled_from(BINS),
        to=st.sampled_from(BINS),  # not `target`: Hypothesis reserves that name in @rule
        sku=st.sampled_from(SKUS),
        qty=st.integers(1, 6),
        lot=st.sampled_from(["", "", "L1"]),
    )
    def someone_moves(self, device, source, to, sku, qty, lot):
        self._push(device, "move", from_location=source, to_location=to, sku=sku, qty=qty, lot=lot)

    @rule(
        device=st.sampled_from(["pia-1", "sam"]),
        bin_=st.sampled_from(BINS),
        sku=st.sampled_from(SKUS),
        counted=st.one_of(st.integers(0, 8), st.integers(20, 40)),
        lot=st.sampled_from(["", "", "L1"]),
    )
    def someone_counts(self, device, bin_, sku, counted, lot):
        self._push(device, "count", location=bin_, sku=sku, counted=counted, lot=lot)

    # -- the supervisor ---------------------------------------------------------------------------
    @rule(
        bin_=st.sampled_from(BINS), sku=st.sampled_from(SKUS), qty=st.sampled_from([1, 3, 1_200]), lot=st.sampled_from(["", "L1"])
    )
    def supervisor_receives(self, bin_, sku, qty, lot):
        self._push("sam", "receive", location=bin_, sku=sku, qty=qty, lot=lot)

    @rule(bin_=st.sampled_from(BINS), sku=st.sampled_from(SKUS), delta=st.integers(-3, 3).filter(bool))
    def supervisor_adjusts(self, bin_, sku, delta):
        r = self.client.post(
            "/api/stock/adjustments",
            json={"location": bin_, "sku": sku, "qty_delta": delta, "reason": "recount"},
            headers=self.floor.supervisor,
        )
        assert r.status_code in (201, 422), r.text
        STATS[f"adjust {r.status_code}"] += 1

    @precondition(
        lambda self: self.raw.val("SELECT COUNT(*) FROM floor_task WHERE kind LIKE 'approve_%' AND status = 'open'") > 0
    )
    @rule(data=st.data(), decision=st.sampled_from(["approve", "approve", "refuse"]), corrected=st.sampled_from([None, 0, 7]))
    def supervisor_decides(self, data, decision, corrected):
        waiting = [
            r[0] for r in self.raw.fetch("SELECT id FROM floor_task WHERE kind LIKE 'approve_%' AND status = 'open' ORDER BY id")
        ]
        task_id = data.draw(st.sampled_from(waiting), label="task")
        body = {"decision": decision} | ({"qty": corrected} if corrected is not None else {})
        r = self.client.post(f"/api/floor-tasks/{task_id}/decide", json=body, headers=self.floor.supervisor)
        assert r.status_code in (200, 422), r.text
        STATS[f"decide {decision} {r.status_code}"] += 1

    @rule(order=st.integers(0, 5))
    def supervisor_cancels(self, order):
        order_id = self.floor.orders[order]["id"]
        r = self.client.post(f"/api/orders/{order_id}/cancel", json={"reason": "customer called"}, headers=self.floor.supervisor)
        assert r.status_code in (200, 409), r.text

    # -- after every step ---------------------------------------------------------------------------
    @invariant()
    def every_bins_trail_adds_up_to_its_book(self):
        assert_invariants(self.raw)  # the trail's own check is one of them (harness.trail_mismatches)


def test_the_movements_of_every_bin_add_up_to_its_book_whatever_ops_ran(client):
    floor = seed_floor(client)
    with RawDB() as raw:
        machine = type("Machine", (MovementMachine,), {"world": (client, floor, raw, snapshot(raw))})
        STATS.clear()
        run_state_machine_as_test(machine, settings=SETTINGS)
    print("\nexercised:", dict(sorted(STATS.items())))
    booked = {key.split()[0] for key in STATS if " applied" in key or " adjusted" in key}
    assert {"pick", "move", "count", "receive"} <= booked, STATS
