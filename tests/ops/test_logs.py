"""Structured logs read as an operator's log shipper reads them: a real server's stderr, line by line."""

from __future__ import annotations

import json
import os

import httpx

from tests import support
from tests.warehouse import setup_floor

JSON_ENV = {"SHIPSHAPE_LOG_FORMAT": "json", "SHIPSHAPE_LOG_LEVEL": "info", "SHIPSHAPE_ACCESS_LOG": "1"}


def _serve(extra_env: dict[str, str]) -> tuple[support.LiveServer, list[bytes]]:
    env = {**os.environ, "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000", **extra_env}
    server = support.LiveServer(env=env)
    return server, server.lines  # read as they come by LiveServer


def test_every_line_is_json_with_an_access_line_per_request_and_a_line_per_rejected_op(clean_db):
    server, raw = _serve(JSON_ENV)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = support.login(http, "root", support.create_user("root", "admin"))
            picker, orders = setup_floor(http, admin)
            line = orders[0]["lines"][0]
            body = picker.push(
                picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1),
                {"seq": 2, "type": "teleport", "version": 1, "args": {}},
                {"seq": 3, "type": "pick", "version": 1, "args": {"order_line_id": line["id"], "qty": "two"}},
                {
                    "seq": 4,
                    "type": "pick",
                    "version": 1,
                    "args": {"order_line_id": line["id"], "location": "A-02", "sku": "SKU-B", "qty": 1},
                },
            )
            statuses = [(r["seq"], r["status"], r["code"]) for r in body["results"]]
            assert [s[1] for s in statuses] == ["applied", "rejected", "rejected", "rejected"], statuses
            picker.push(*[{"seq": 2, "type": "teleport", "version": 1, "args": {}}])  # a replay: not logged again
            secret = "sup3r-secret-value"
            http.get(f"/api/sync/pull?device_id={picker.device_id}&cursor={secret}", headers=picker.headers)
            http.get(f"/track/{secret}-tracking-token")
            http.get("/api/health")
            http.get("/api/ready")
    finally:
        server.stop()
    text = b"".join(raw).decode()
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line parses
    assert entries
    for entry in entries:
        assert {"ts", "level", "logger", "msg"} <= set(entry), entry
        assert entry["ts"].endswith("Z") and entry["level"] in ("debug", "info", "warning", "error")

    access = [e for e in entries if e["logger"] == "shipshape.access"]
    pushes = [e for e in access if e["route"] == "/api/sync/push"]
    assert len(pushes) == 2 and all(e["status"] == 200 and e["method"] == "POST" and e["user"] == "pia" for e in pushes)
    assert all(isinstance(e["duration_ms"], int | float) and e["duration_ms"] >= 0 for e in access)
    pulls = [e for e in access if e["route"] == "/api/sync/pull"]
    assert pulls and pulls[-1]["status"] == 400 and pulls[-1]["path"] == "/api/sync/pull"
    tracking = [e for e in access if e["route"].startswith("/track/")]
    assert tracking and tracking[0]["path"] == "/track/{token}"
    # Probes and scrapes are not logged; no token, query string or secret ever is.
    assert not [e for e in access if e["path"] in ("/api/health", "/api/ready")]
    assert secret not in text and "Bearer" not in text and picker.headers["Authorization"].split()[1] not in text

    rejected = [e for e in entries if e["msg"] == "op rejected"]
    by_seq = {e["seq"]: e for e in rejected}
    assert sorted(by_seq) == [2, 3, 4] and len(rejected) == 3, rejected  # once each: the replay adds none
    for entry in rejected:
        assert entry["device_id"] == picker.device_id and entry["level"] == "warning"
    assert by_seq[2]["op_type"] == "teleport" and by_seq[2]["code"] == "unknown_op_type"
    assert by_seq[3]["op_type"] == "pick" and by_seq[3]["code"] == "malformed_args"
    assert by_seq[4]["op_type"] == "pick" and by_seq[4]["code"] == statuses[3][2]
    assert by_seq[4]["code"] == "wrong_item" and by_seq[4]["field"] == "sku", by_seq[4]


def test_text_logs_for_a_person_and_a_bad_format_stops_serve_in_one_line(clean_db):
    server, raw = _serve({"SHIPSHAPE_LOG_FORMAT": "text", "SHIPSHAPE_LOG_LEVEL": "info"})
    try:
        httpx.get(server.url + "/api/sync/limits")
    finally:
        server.stop()
    lines = [line for line in b"".join(raw).decode().splitlines() if "shipshape.access" in line]
    assert lines and not lines[0].startswith("{")
    assert "GET /api/sync/limits 401" in lines[0] and "duration_ms=" in lines[0]

    refused = support.run_cli("serve", "--port", str(support.free_port()), env={"SHIPSHAPE_LOG_FORMAT": "xml"})
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1] == "Error: SHIPSHAPE_LOG_FORMAT='xml': use json, text or auto"
