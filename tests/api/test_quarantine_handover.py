"""A revoked phone's unsent ops handed over to a supervisor: each is listed as the phone sent it, and
is applied (as the phone's user would have, the phone's clock kept, the supervisor recorded as the one
who applied it) or discarded (who, why) — at most once, even when the button is pressed twice at the
same instant."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests import support
from tests.support import create_user, login
from tests.warehouse import Device, device_for, setup_floor


def _revoked_with_ops(client, admin) -> tuple[Device, list[dict], dict]:
    """Pia's phone revoked with three picks queued on it; the supervisor's headers."""
    picker, wave = setup_floor(client, admin)
    line = wave[0]["lines"][0]["id"]  # 3 × SKU-A, from A-01
    sue = login(client, "sue", create_user("sue", "supervisor"))
    assert client.post(f"/api/devices/{picker.device_id}/revoke", headers=sue).status_code == 200
    ops = [picker.op("pick", order_line_id=line, location="A-01", sku="SKU-A", qty=1) for _ in range(3)]
    assert picker.push(*ops, expect=403)["error"] == "device_revoked"
    return picker, wave, sue


def _ledger(client, headers, order_id):
    return client.get(f"/api/orders/{order_id}", headers=headers).json()["lines"][0]["qty_picked"]


def test_a_supervisor_sees_the_revoked_phones_ops_as_it_sent_them(client, admin):
    picker, _, sue = _revoked_with_ops(client, admin)
    listed = client.get(f"/api/devices/{picker.device_id}/quarantined", headers=sue)
    assert listed.status_code == 200, listed.text
    ops = listed.json()
    assert [(o["seq"], o["type"], o["args"]["qty"], o["at"], o["status"]) for o in ops] == [
        (n, "pick", 1, "2026-11-26T10:02:03.120Z", "pending") for n in (1, 2, 3)
    ]
    unknown = client.get("/api/devices/nope/quarantined", headers=sue)
    assert (unknown.status_code, unknown.json()["field"]) == (404, "device_id")


def test_applying_runs_the_op_for_the_phones_user_with_its_clock_records_the_supervisor_and_only_once(client, admin):
    picker, wave, sue = _revoked_with_ops(client, admin)
    path = f"/api/devices/{picker.device_id}/quarantined"
    applied = client.post(path + "/apply", json={"seqs": [2, 1]}, headers=sue)
    assert applied.status_code == 200, applied.text
    assert [(r["seq"], r["status"]) for r in applied.json()] == [(1, "applied"), (2, "applied")]
    assert _ledger(client, sue, wave[0]["id"]) == 2

    from tests.sync.guarantees.harness import RawDB

    raw = RawDB()
    ledger_ids = [r["ledger_id"] for r in applied.json()]
    rows = raw.fetch(
        f"SELECT l.device_id, l.seq, u.username, l.device_at, l.op_type FROM ledger l JOIN app_user u ON u.id = l.actor "
        f"WHERE l.id IN ({', '.join('?' * len(ledger_ids))}) ORDER BY l.id",
        *ledger_ids,
    )
    # Server-origin ops of pia (who picked), not of the phone's seq; sue is who applied them.
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [(None, None, "pia", "pick")] * 2
    assert all(r[3] is not None and str(r[3]).startswith("2026-11-26") for r in rows)

    again = client.post(path + "/apply", json={"seqs": [1, 2, 3]}, headers=sue).json()
    assert [(r["seq"], r["status"]) for r in again] == [(1, "already_handled"), (2, "already_handled"), (3, "applied")]
    assert _ledger(client, sue, wave[0]["id"]) == 3
    listed = client.get(path, headers=sue).json()
    assert [(o["status"], o["handled_by"], o["outcome"]["status"]) for o in listed] == [("applied", "sue", "applied")] * 3
    # The phone stays revoked and its seq untouched: the ops are the supervisor's now.
    assert raw.val("SELECT last_seq FROM device WHERE device_id = ?", picker.device_id) == 0


def test_discarding_keeps_who_and_why_and_an_applied_op_cannot_be_discarded(client, admin):
    picker, wave, sue = _revoked_with_ops(client, admin)
    path = f"/api/devices/{picker.device_id}/quarantined"
    client.post(path + "/apply", json={"seqs": [1]}, headers=sue)
    discarded = client.post(path + "/discard", json={"seqs": [1, 2, 3], "reason": "counted by hand"}, headers=sue)
    assert discarded.status_code == 200, discarded.text
    assert [(r["seq"], r["status"]) for r in discarded.json()] == [(1, "already_handled"), (2, "discarded"), (3, "discarded")]
    listed = client.get(path, headers=sue).json()
    assert [(o["status"], o["handled_by"], o["reason"]) for o in listed] == [
        ("applied", "sue", ""),
        ("discarded", "sue", "counted by hand"),
        ("discarded", "sue", "counted by hand"),
    ]
    assert client.post(path + "/apply", json={"seqs": [2]}, headers=sue).json()[0]["status"] == "already_handled"
    assert _ledger(client, sue, wave[0]["id"]) == 1


def test_an_op_the_phones_user_may_not_send_is_rejected_with_an_exception(client, admin):
    picker, wave, sue = _revoked_with_ops(client, admin)
    # A packer's phone: a pick is not a packer's op, whoever hands it over.
    packer = device_for(client, "paco", "packer")
    line = wave[0]["lines"][0]["id"]
    assert client.post(f"/api/devices/{packer.device_id}/revoke", headers=sue).status_code == 200
    packer.push(packer.op("pick", order_line_id=line, location="A-01", sku="SKU-A", qty=1), expect=403)
    (result,) = client.post(f"/api/devices/{packer.device_id}/quarantined/apply", json={"seqs": [1]}, headers=sue).json()
    assert (result["status"], result["code"]) == ("rejected", "forbidden_op")
    assert _ledger(client, sue, wave[0]["id"]) == 0


def test_bad_hand_over_requests_name_the_field(client, admin):
    picker, _, sue = _revoked_with_ops(client, admin)
    path = f"/api/devices/{picker.device_id}/quarantined"
    for suffix, body, status, field in (
        ("/apply", {"seqs": [9]}, 404, "seqs[0]"),
        ("/apply", {"seqs": [1, 9]}, 404, "seqs[1]"),
        ("/apply", {"seqs": []}, 400, "seqs"),
        ("/apply", {"seqs": [0]}, 400, "seqs[0]"),
        ("/discard", {"seqs": [1]}, 400, "reason"),
        ("/discard", {"seqs": [1], "reason": "  "}, 400, "reason"),
    ):
        response = client.post(path + suffix, json=body, headers=sue)
        assert (response.status_code, response.json().get("field")) == (status, field), (suffix, body, response.text)
    assert [o["status"] for o in client.get(path, headers=sue).json()] == ["pending"] * 3
    picker_headers = picker.headers
    assert client.get(path, headers=picker_headers).status_code == 401  # the revoked phone's session ended


def test_a_double_click_applies_the_op_once_and_the_other_request_says_it_was_handled(clean_db, live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = login(http, "root", create_user("root", "admin"))
        picker, wave, sue = _revoked_with_ops(http, admin)
        path = f"{live_server.url}/api/devices/{picker.device_id}/quarantined/apply"
    barrier = threading.Barrier(2)

    def click(_):
        with httpx.Client(timeout=30, headers=sue) as http:
            http.get(live_server.url + "/api/health")
            barrier.wait(timeout=10)
            return http.post(path, json={"seqs": [1, 2, 3]})

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(click, range(2)))
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    statuses = sorted(tuple(r["status"] for r in response.json()) for response in responses)
    assert statuses == [("already_handled",) * 3, ("applied",) * 3], statuses
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        assert _ledger(http, sue, wave[0]["id"]) == 3

    from tests.sync.guarantees.harness import RawDB

    assert RawDB().val("SELECT COUNT(*) FROM ledger WHERE op_type = 'pick'") == 3


assert support  # the live server reads the test database support configures
