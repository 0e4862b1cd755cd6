"""A Hypothesis state machine over the real push endpoint: three picker devices (two of pia's on
one wave, pete's on another) each keep an outbox of scans — picks, over-picks, picks of lines
another device also picks, picks from the wrong or an empty bin, short picks, a wrong SKU, an op
type this server does not know, a line that does not exist — and push it in random batch splits,
while a supervisor cancels orders, adjusts stock and reassigns pick tasks in between.

Pushes: the next batch; the same batch again (duplicate); a "lost response" (push, drop the answer,
push the same ops again); a stale replay mixed with new ops; a batch that skips a seq (409).

After EVERY step, read straight from the database (`harness.check_invariants`):
stock on_hand ≥ 0, 0 ≤ reserved ≤ on_hand, reserved == Σ reservations; no line over-picked;
exactly one ledger row per (device, seq) and a device's seqs are exactly 1..last_seq (G1, G2);
every adjusted/rejected op has an exception with its device and seq (G3); order timelines take only
`sync.orders.TRANSITIONS` steps; units conserved per SKU (see `harness.units_balance`).
And against the model: every op the server acknowledged has exactly the one result the device was
first given, replays return it unchanged, and the device's last_seq is the model's (G1, G3).
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from tests.sync.guarantees.harness import (
    SHORT_REASONS,
    STOCK,
    RawDB,
    assert_invariants,
    fingerprint,
    op,
    restore,
    seed_floor,
    snapshot,
)

# SHIPSHAPE_SM_EXAMPLES / SHIPSHAPE_SM_STEPS raise the budget for a longer bug hunt.
SETTINGS = settings(
    max_examples=int(os.environ.get("SHIPSHAPE_SM_EXAMPLES", 15)),
    stateful_step_count=int(os.environ.get("SHIPSHAPE_SM_STEPS", 15)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
DEVICE_NAMES = ("pia-1", "pia-2", "pete-1")
SCANS = st.tuples(
    st.sampled_from(["pick"] * 8 + ["pick_short"] * 2 + ["move"] * 2 + ["wrong_sku", "bad_type", "unknown_line"]),
    st.integers(0, 7),  # which order line (of the 8 the seed creates)
    st.integers(0, 3),  # which bin: one of the SKU's bins, or (3) the empty bin A-06
    st.integers(1, 4),  # units
)


STATS: Counter = Counter()  # what the runs exercised (printed at the end; see -s)


class DeviceModel:
    def __init__(self, name: str, device_id: str, headers: dict):
        self.name, self.device_id, self.headers = name, device_id, headers
        self.outbox: list[dict] = []
        self.acked = 0
        self.results: dict[int, dict] = {}  # seq -> the result first given for it
        self.last_batch: list[dict] = []

    def pending(self) -> list[dict]:
        return self.outbox[self.acked :]


class FloorMachine(RuleBasedStateMachine):
    world = None  # (client, floor, raw, snapshot), set by the test

    def __init__(self):
        super().__init__()
        self.client, self.floor, self.raw, snap = self.world
        restore(self.raw, snap)
        STATS["examples"] += 1
        self.dev = {
            name: DeviceModel(name, device_id, self.floor.users[user]) for name, (user, device_id) in self.floor.devices.items()
        }
        self.lines = [(line["id"], line["sku"]) for order in self.floor.orders for line in order["lines"]]
        assert len(self.lines) == 8

    # -- helpers ------------------------------------------------------------------------------
    def _with_pending(self) -> list[str]:
        return [n for n in DEVICE_NAMES if self.dev[n].pending()]

    def _push(self, dev: DeviceModel, batch: list[dict], expect: int = 200) -> dict:
        r = self.client.post("/api/sync/push", json={"device_id": dev.device_id, "ops": batch}, headers=dev.headers)
        assert r.status_code == expect, r.text
        STATS[f"push {r.status_code}"] += 1
        if r.status_code == 200:
            dev.last_batch = batch
            for result in r.json()["results"]:
                STATS["replayed" if result["replayed"] else f"{result['status']} {result['code'] or ''}".strip()] += 1
        return r.json()

    def _record(self, dev: DeviceModel, batch: list[dict], body: dict) -> None:
        """Every op of the batch got exactly one result: replays the stored one, new ops a fresh one."""
        assert body["acked_through"] == batch[-1]["seq"]
        assert [r["seq"] for r in body["results"]] == [o["seq"] for o in batch]
        for result in body["results"]:
            seq = result["seq"]
            assert result["status"] in ("applied", "adjusted", "rejected")
            if result["status"] != "applied":
                assert result["code"] and result["message"], result
            if seq in dev.results:
                assert result["replayed"] is True, result
                assert {**result, "replayed": False} == dev.results[seq], (result, dev.results[seq])
            else:
                assert result["replayed"] is False, result
                assert seq == dev.acked + 1
                dev.results[seq] = result
                dev.acked = seq
        assert dev.acked == body["acked_through"]

    # -- device scans -------------------------------------------------------------------------
    @initialize(outboxes=st.fixed_dictionaries({name: st.lists(SCANS, min_size=1, max_size=6) for name in DEVICE_NAMES}))
    def devices_were_offline(self, outboxes):
        for name, scans in outboxes.items():
            for scan in scans:
                self._queue(name, scan)

    @rule(name=st.sampled_from(DEVICE_NAMES), scans=st.lists(SCANS, min_size=1, max_size=3))
    def scan(self, name, scans):
        for scan in scans:
            self._queue(name, scan)

    def _queue(self, name, scan):
        kind, line_index, bin_choice, qty = scan
        dev = self.dev[name]
        line_id, sku = self.lines[line_index]
        bins = [code for code, _ in STOCK[sku]]
        location = "A-06" if bin_choice == 3 else bins[bin_choice % len(bins)]
        seq = len(dev.outbox) + 1
        tote = str(1 + line_index % 2)
        if kind == "pick":
            new = op(seq, "pick", order_line_id=line_id, location=location, sku=sku, qty=qty, tote=tote)
        elif kind == "pick_short":
            new = op(
                seq,
                "pick_short",
                order_line_id=line_id,
                location=location,
                sku=sku,
                qty_short=min(qty, 2),
                reason=SHORT_REASONS[qty % len(SHORT_REASONS)],
            )
        elif kind == "move":  # replenishment, sometimes more than the source's book holds: the total never moves
            target = "A-06" if location != "A-06" else bins[0]
            new = op(seq, "move", from_location=location, to_location=target, sku=sku, qty=qty * 2)
        elif kind == "wrong_sku":
            wrong = "SKU-C" if sku != "SKU-C" else "SKU-A"
            new = op(seq, "pick", order_line_id=line_id, location=location, sku=wrong, qty=qty)
        elif kind == "bad_type":
            new = op(seq, "teleport", order_line_id=line_id)
        else:
            new = op(seq, "pick", order_line_id=999_999, location=location, sku=sku, qty=qty)
        dev.outbox.append(new)

    # -- pushes -------------------------------------------------------------------------------
    @precondition(lambda self: self._with_pending())
    @rule(data=st.data(), n=st.integers(1, 6))
    def push_next_batch(self, data, n):
        dev = self.dev[data.draw(st.sampled_from(self._with_pending()), label="device")]
        batch = dev.pending()[:n]
        self._record(dev, batch, self._push(dev, batch))

    @precondition(lambda self: any(d.last_batch and d.acked >= d.last_batch[-1]["seq"] for d in self.dev.values()))
    @rule(data=st.data())
    def push_same_batch_again(self, data):
        names = [n for n in DEVICE_NAMES if self.dev[n].last_batch and self.dev[n].acked >= self.dev[n].last_batch[-1]["seq"]]
        dev = self.dev[data.draw(st.sampled_from(names), label="device")]
        batch = dev.last_batch
        before = fingerprint(self.raw)
        body = self._push(dev, batch)
        assert all(r["replayed"] for r in body["results"])
        self._record(dev, batch, body)
        after = fingerprint(self.raw)
        assert after == before, "a replayed batch changed the database"

    @precondition(lambda self: self._with_pending())
    @rule(data=st.data(), n=st.integers(1, 6))
    def lost_response_then_retry(self, data, n):
        dev = self.dev[data.draw(st.sampled_from(self._with_pending()), label="device")]
        batch = dev.pending()[:n]
        lost = self._push(dev, batch)  # the device never sees this answer
        retry = self._push(dev, batch)
        assert [{**r, "replayed": True} for r in lost["results"]] == retry["results"]
        self._record(dev, batch, lost)
        self._record(dev, batch, retry)

    @precondition(lambda self: any(d.acked and d.pending() for d in self.dev.values()))
    @rule(data=st.data(), k=st.integers(1, 4), n=st.integers(1, 4))
    def stale_replay_mixed_with_new_ops(self, data, k, n):
        names = [name for name in DEVICE_NAMES if self.dev[name].acked and self.dev[name].pending()]
        dev = self.dev[data.draw(st.sampled_from(names), label="device")]
        k = min(k, dev.acked)
        batch = dev.outbox[dev.acked - k : dev.acked + n]
        body = self._push(dev, batch)
        assert [r["replayed"] for r in body["results"]] == [o["seq"] <= dev.acked for o in batch]
        self._record(dev, batch, body)

    @precondition(lambda self: any(len(d.pending()) >= 2 for d in self.dev.values()))
    @rule(data=st.data())
    def push_with_a_gap_is_refused(self, data):
        names = [name for name in DEVICE_NAMES if len(self.dev[name].pending()) >= 2]
        dev = self.dev[data.draw(st.sampled_from(names), label="device")]
        before = fingerprint(self.raw)
        body = self._push(dev, dev.pending()[1:3], expect=409)
        assert body["expected_seq"] == dev.acked + 1
        assert fingerprint(self.raw) == before, "a refused batch changed the database"

    # -- supervisor actions, interleaved ------------------------------------------------------
    @rule(order=st.integers(0, 5))
    def supervisor_cancels_an_order(self, order):
        order_id = self.floor.orders[order]["id"]
        r = self.client.post(f"/api/orders/{order_id}/cancel", json={"reason": "customer called"}, headers=self.floor.supervisor)
        assert r.status_code in (200, 409), r.text
        if r.status_code == 200:
            assert r.json()["status"] == "cancelled"

    @rule(
        bin_=st.sampled_from([(sku, code) for sku, rows in STOCK.items() for code, _ in rows] + [("SKU-A", "A-06")]),
        delta=st.integers(-3, 3).filter(bool),
    )
    def supervisor_adjusts_stock(self, bin_, delta):
        sku, code = bin_
        r = self.client.post(
            "/api/stock/adjustments",
            json={"location": code, "sku": sku, "qty_delta": delta, "reason": "recount"},
            headers=self.floor.supervisor,
        )
        assert r.status_code in (201, 422), r.text
        if r.status_code == 422:
            assert r.json()["error"] == "negative_stock", r.text

    @precondition(lambda self: self.raw.val("SELECT COUNT(*) FROM pick_task WHERE status = 'open'") > 0)
    @rule(data=st.data(), picker=st.sampled_from(["pia", "pete"]))
    def supervisor_reassigns_a_task(self, data, picker):
        tasks = [r[0] for r in self.raw.fetch("SELECT id FROM pick_task WHERE status = 'open' ORDER BY id")]
        task_id = data.draw(st.sampled_from(tasks), label="task")
        r = self.client.post(f"/api/tasks/{task_id}/reassign", json={"picker": picker}, headers=self.floor.supervisor)
        assert r.status_code == 200, r.text

    # -- after every step ---------------------------------------------------------------------
    @invariant()
    def database_invariants(self):
        STATS["checks"] += 1
        for (status,) in self.raw.fetch("SELECT DISTINCT status FROM order_event"):
            STATS[f"order reached {status}"] += 1
        assert_invariants(self.raw)

    @invariant()
    def ledger_matches_what_devices_were_told(self):
        for dev in self.dev.values():
            rows = self.raw.fetch(
                "SELECT seq, status, code, message, result FROM ledger WHERE device_id = ? ORDER BY seq", dev.device_id
            )
            assert [r[0] for r in rows] == list(range(1, dev.acked + 1))
            assert self.raw.val("SELECT last_seq FROM device WHERE device_id = ?", dev.device_id) == dev.acked
            for seq, status, code, message, result in rows:
                told = dev.results[seq]
                assert (status, code, message, json.loads(result)) == (
                    told["status"],
                    told["code"],
                    told["message"],
                    told["result"],
                ), (seq, told)


@pytest.fixture
def floor_world(client):
    floor = seed_floor(client)
    with RawDB() as raw:
        yield client, floor, raw, snapshot(raw)


def test_random_floor_sync_keeps_g1_to_g4(floor_world):
    """Random devices, batches, retries, lost responses, stale replays and supervisor actions:
    every invariant holds after every step (G1, G2, G3, G4)."""
    machine = type("Machine", (FloorMachine,), {"world": floor_world})
    STATS.clear()
    run_state_machine_as_test(machine, settings=SETTINGS)
    print("\nexercised:", dict(sorted(STATS.items())))
    assert STATS["push 200"] > 0
