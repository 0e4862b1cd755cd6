"""Any bytes a device can send as an op's args — wrong types, deep nesting, huge numbers, odd unicode —
get exactly one outcome, once, and the next seq is taken (G9). Hypothesis writes the ops."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.warehouse import setup_floor

FIELDS = [
    "order_line_id",
    "location",
    "sku",
    "qty",
    "lot",
    "tote",
    "from_location",
    "to_location",
    "counted",
    "qty_short",
    "reason",
    "package",
    "expiry",
    "recipient",
    "lat",
    "lon",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["A-01", "SKU-A", "\u202efdp.exe", "\x00", "𝟘𝟙", "٣", "9" * 400, "2026-02-30", "\ud800", "x\udfff"])
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12
)
args = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),  # the right names, any values
    values,  # not even an object
)
deep = st.integers(20, 3_000)  # nesting depth for a raw args value
envelopes = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                [
                    "pick",
                    "pick_short",
                    "move",
                    "count",
                    "receive",
                    "pack",
                    "deliver",
                    "teleport",
                    "",
                    "PICK",
                    "\ud800",
                    "pick\x00",
                ]
            ),
            st.text(max_size=60),
        ),
        st.one_of(st.integers(1, 3), st.integers(min_value=-(2**62), max_value=2**62)),
        st.one_of(args.map(lambda a: ("value", a)), deep.map(lambda d: ("deep", d))),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.just("2026-11-26T10:02:03.120Z")),
    ),
    min_size=1,
    max_size=5,
)


def _body(device_id: str, first_seq: int, ops) -> str:
    parts = []
    for offset, (type_, version, (kind, payload), at) in enumerate(ops):
        raw_args = json.dumps(payload) if kind == "value" else "[" * payload + "]" * payload
        parts.append(
            '{"seq": %d, "type": %s, "version": %d, "args": %s, "at": %s}'
            % (first_seq + offset, json.dumps(type_), version, raw_args, json.dumps(at))
        )
    return '{"device_id": %s, "ops": [%s]}' % (json.dumps(device_id), ", ".join(parts))


def test_any_op_a_device_sends_gets_one_outcome_once_and_never_blocks_the_queue(client, admin):
    sue_device, _ = setup_floor(client, admin)  # pia's phone; she may pick and move
    state = {"next": 1}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(ops=envelopes)
    def one_push(ops):
        first = state["next"]
        body = _body(sue_device.device_id, first, ops)
        r = client.post("/api/sync/push", content=body, headers=sue_device.headers | {"content-type": "application/json"})
        assert r.status_code == 200, r.text[:500]
        answer = r.json()
        assert answer["acked_through"] == first + len(ops) - 1
        assert [x["seq"] for x in answer["results"]] == list(range(first, first + len(ops)))
        for result in answer["results"]:
            assert result["status"] in ("applied", "adjusted", "rejected") and result["replayed"] is False
            if result["status"] != "applied":
                assert result["code"] and result["message"]
        again = client.post("/api/sync/push", content=body, headers=sue_device.headers | {"content-type": "application/json"})
        assert again.status_code == 200 and all(x["replayed"] for x in again.json()["results"])  # once, never twice
        state["next"] = first + len(ops)

    one_push()
    # The queue still moves: a plain scan after all of that gets the next seq.
    r = client.post(
        "/api/sync/push",
        headers=sue_device.headers,
        json={"device_id": sue_device.device_id, "ops": [{"seq": state["next"], "type": "teleport", "version": 1, "args": {}}]},
    )
    assert r.status_code == 200 and r.json()["acked_through"] == state["next"]
    stock = client.get("/api/stock", headers=admin).json()
    assert all(0 <= row["reserved"] <= row["on_hand"] for row in stock)
