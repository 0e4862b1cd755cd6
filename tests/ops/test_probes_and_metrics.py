"""An operator's view: readiness for the load balancer, Prometheus metrics for the admin (docs/deploy.md)."""

from __future__ import annotations

import asyncio
import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

from server.db import Database
from server.ops.readiness import Readiness
from tests import support
from tests.warehouse import device_for, setup_floor


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape, parsed by prometheus_client's own parser: (name, sorted labels) → value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def test_ready_says_ready_when_the_database_answers_migrations_ran_and_workers_started(client):
    response = client.get("/api/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "workers": "ok"},
        "not_ready": [],
    }
    assert response.headers["cache-control"] == "no-store"


def test_ready_names_a_migration_that_has_not_run(app, client):
    readiness = app.state.readiness
    readiness._shipped = readiness._shipped | {"2099-01-01T00:00:00:000000"}
    response = client.get("/api/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready" and body["not_ready"] == ["migrations"]
    assert "2099-01-01T00:00:00:000000" in body["checks"]["migrations"] and "shipshape migrate" in body["checks"]["migrations"]


def test_ready_is_not_ready_when_the_database_does_not_answer(clean_db):
    async def check() -> dict[str, str]:
        db = Database(support.db_config())
        await db.start()
        await db.close()  # the connections are gone, as when the database went away
        readiness = Readiness(db, workers_started=True)
        return await readiness.check()

    checks = asyncio.run(check())
    assert checks["database"] != "ok" and checks["migrations"].startswith("unknown")
    assert checks["workers"] == "ok"


def test_probes_and_the_scrape_are_in_the_openapi_schema(client):
    paths = client.get("/schema").json()["paths"]
    ready = paths["/api/ready"]["get"]
    assert {"200", "503"} <= set(ready["responses"])  # no token needed, as for /api/health
    assert {"200", "401", "403"} <= set(paths["/metrics"]["get"]["responses"])


def test_metrics_are_for_admins_and_the_scrape_token_only(client, admin, monkeypatch):
    picker = device_for(client, "pia", "picker")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    refused = client.get("/metrics", headers=picker.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    scraped = client.get("/metrics", headers=admin)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert ("shipshape_process_resident_memory_bytes", ()) in samples(scraped.text)
    # A Prometheus server has no user: it sends the configured scrape token.
    monkeypatch.setenv("SHIPSHAPE_METRICS_TOKEN", "s3cret-scrape-token-of-some-length")
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token-of-some-length"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token-of-some-lengtH"}).status_code == 401


def test_a_scrape_of_any_worker_counts_the_requests_and_ops_of_all_of_them(clean_db):
    """Two worker processes: whichever answers the scrape, the counts are the sum over both."""
    server = support.LiveServer(workers=2)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = support.login(http, "root", support.create_user("root", "admin"))
            picker, orders = setup_floor(http, admin)
            line = orders[0]["lines"][0]
            body = picker.push(
                picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1),
                {"seq": 2, "type": "teleport", "version": 1, "args": {}},
            )
            assert [r["status"] for r in body["results"]] == ["applied", "rejected"]
            picker.push(picker.sent[0])  # a replay
            picker.pull()
            health = {"method": "GET", "route": "/api/health", "status": "200"}
            before = value(samples(http.get("/metrics", headers=admin).text), "shipshape_http_requests_total", **health)
            assert before >= 1  # LiveServer's own probe while it waited for the server
            for _ in range(30):
                assert http.get("/api/health").status_code == 200
            pids = set()
            for _ in range(6):  # several scrapes, answered by either worker
                scraped = http.get("/metrics", headers=admin)
                assert scraped.status_code == 200
                scrape = samples(scraped.text)
                assert value(scrape, "shipshape_http_requests_total", **health) == before + 30
                assert value(scrape, "shipshape_sync_ops_total", status="applied", type="pick") == 1
                assert value(scrape, "shipshape_sync_ops_total", status="rejected", type="unknown") == 1
                assert value(scrape, "shipshape_sync_ops_total", status="replayed", type="pick") == 1
                assert value(scrape, "shipshape_sync_push_batch_ops_count") == 2
                assert value(scrape, "shipshape_sync_pulls_total", kind="reset") >= 1
                assert (
                    value(
                        scrape,
                        "shipshape_http_request_duration_seconds_count",
                        method="POST",
                        route="/api/sync/push",
                        status="200",
                    )
                    == 2
                )
                pids |= {dict(labels)["pid"] for name, labels in scrape if name == "shipshape_process_resident_memory_bytes"}
            # Both workers' memory is reported (the supervising process serves nothing and has none).
            assert len(pids) >= 2, pids
            text = scraped.text
            assert not re.search(r'route="/api/orders/\d', text), "route labels are templates, never concrete ids"
    finally:
        server.stop()


def test_one_worker_serves_its_own_metrics_from_the_shared_folder_too(clean_db):
    """With one worker the supervising process serves the app itself: its samples must still reach the scrape."""
    server = support.LiveServer(workers=1)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = support.login(http, "root", support.create_user("root", "admin"))
            for _ in range(3):
                http.get("/api/sync/limits", headers=admin)
            scrape = samples(http.get("/metrics", headers=admin).text)
        assert value(scrape, "shipshape_http_requests_total", method="GET", route="/api/sync/limits", status="200") == 3
        assert [labels for name, labels in scrape if name == "shipshape_process_resident_memory_bytes"] == [
            (("pid", str(_worker_pid(server))),)
        ]
    finally:
        server.stop()


def _worker_pid(server: support.LiveServer) -> int:
    return server.process.pid  # one worker: uvicorn serves in the process it was started in
