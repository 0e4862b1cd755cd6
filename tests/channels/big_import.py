"""A large marketplace export imported into a real server process, timed, with the server's memory
watched: shared by tests/channels/test_csv_import_large.py (5,000 rows) and bench/csv_import.py (50,000)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support import LiveServer, create_user, login

HEADER = "external_ref,customer_name,email,phone,line1,line2,city,postcode,region,country,sku,qty,payment_status,promised_at\r\n"


def write_export(path: Path, rows: int, skus: list[str], seed: int = 13) -> int:
    """A CSV of `rows` order lines (1-3 per order, a few quoted fields with commas); the orders in it."""
    rng = random.Random(seed)
    orders = 0
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + HEADER)
        while written < rows:
            orders += 1
            lines = min(rng.randint(1, 3), rows - written)
            name = f'"Customer {orders}, Jr"' if orders % 7 == 0 else f"Customer {orders}"
            for sku in rng.sample(skus, lines):
                out.write(
                    f"MKT-{orders:07d},{name},c{orders}@example.com,,{orders} Long Street,,Leeds,LS1 1AA,,GB,"
                    f"{sku},{rng.randint(1, 3)},paid,2026-12-0{1 + orders % 9}\r\n"
                )
            written += lines
    return orders


def seed_catalogue(http: httpx.Client, admin: dict, skus: list[str]) -> None:
    """Products, one bin each with plenty of stock, and the channel `mkt`."""
    for n, sku in enumerate(skus, start=1):
        http.post("/api/products", json={"sku": sku, "name": f"Product {sku}", "barcodes": []}, headers=admin).raise_for_status()
        http.post("/api/locations", json={"code": f"B-{n:03d}", "kind": "bin", "path_seq": n}, headers=admin).raise_for_status()
        http.post(
            "/api/stock/adjustments",
            json={"location": f"B-{n:03d}", "sku": sku, "qty_delta": 1_000_000, "reason": "opening stock"},
            headers=admin,
        ).raise_for_status()
    http.post("/api/channels", json={"code": "mkt", "name": "Marketplace", "kind": "csv"}, headers=admin).raise_for_status()


def peak_rss_kb(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in KiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


@dataclass
class ImportRun:
    job: dict
    seconds: float
    rss_before_kb: int
    peak_after_kb: int

    @property
    def growth_mb(self) -> float:
        return (self.peak_after_kb - self.rss_before_kb) / 1024


def upload_and_wait(server: LiveServer, http: httpx.Client, admin: dict, path: Path, timeout: float = 600) -> ImportRun:
    """Stream the file to the server, follow the job to its end; time and the server's peak memory."""
    # Reset the kernel's peak-RSS mark, so the peak read afterwards is this import's (not start-up's).
    Path(f"/proc/{server.process.pid}/clear_refs").write_text("5")
    rss_before, _ = peak_rss_kb(server.process.pid)
    started = time.perf_counter()
    with open(path, "rb") as body:
        response = http.post(
            "/api/channels/mkt/imports", params={"name": path.name}, content=body, headers=admin | {"Content-Type": "text/csv"}
        )
    assert response.status_code == 202, response.text
    job = response.json()
    deadline = time.monotonic() + timeout
    while job["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"import not finished: {job}"
        time.sleep(0.2)
        job = http.get(f"/api/channels/imports/{job['id']}", headers=admin).json()
    seconds = time.perf_counter() - started
    _, peak = peak_rss_kb(server.process.pid)
    return ImportRun(job, seconds, rss_before, peak)


def admin_session(http: httpx.Client) -> dict:
    return login(http, "root", create_user("root", "admin"))
