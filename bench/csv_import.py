"""CSV import of a 50,000-row marketplace export into a real server process: time and peak memory.

Run:  .venv/bin/python bench/csv_import.py [--rows 50000] [--postgres postgresql://postgres@127.0.0.1:5432/test]

What one run does: a new database of its own (a temporary SQLite file, or — with `--postgres` — a
new database beside the one named, dropped afterwards), migrated; a `python -m server.cli serve`
process on it; 40 products with a bin of stock each and the channel `mkt`, made over HTTP. Then an
export of `--rows` order lines (1-3 lines per order, some quoted fields, a BOM, CRLF) is streamed
to `POST /api/channels/mkt/imports` and the job followed to its end. Printed: rows/s and orders/s
from the upload's first byte to the job's `done`, and the server's peak resident memory during the
import over its resident memory just before (the kernel's peak mark is reset first). A second
upload of the same file measures a re-import, where every order is a duplicate.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to make the benchmark's own database beside")
    args = parser.parse_args()

    from tests import session_db

    database = session_db.create(args.postgres)
    os.environ["DATABASE_URL"] = database.url
    import asyncio

    import httpx

    from server.migrate import migrate
    from tests.channels.big_import import admin_session, seed_catalogue, upload_and_wait, write_export
    from tests.support import LiveServer, db_config

    folder = Path(tempfile.mkdtemp(prefix="shipshape-csv-bench-"))
    env = {**os.environ, "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000", "SHIPSHAPE_ATTACHMENT_DIR": str(folder / "attachments")}
    server = None
    try:
        asyncio.run(migrate(db_config()))
        skus = [f"BIG-{n:03d}" for n in range(1, 41)]
        export = folder / "export.csv"
        orders = write_export(export, args.rows, skus)
        size_mb = export.stat().st_size / 2**20
        server = LiveServer(env=env, log_path=folder / "server.log")
        with httpx.Client(base_url=server.url, timeout=120) as http:
            admin = admin_session(http)
            seed_catalogue(http, admin, skus)
            print(f"{database.dialect}: {args.rows} rows ({size_mb:.1f} MB), {orders} orders")
            for label in ("first import", "re-import (all duplicates)"):
                run = upload_and_wait(server, http, admin, export, timeout=3600)
                job = run.job
                assert job["status"] == "done", job
                assert job["rows_done"] == args.rows and job["rows_bad"] == 0, job
                assert job["orders_created"] + job["orders_duplicate"] == orders, job
                print(
                    f"  {label}: {run.seconds:.1f} s, {args.rows / run.seconds:,.0f} rows/s, "
                    f"{orders / run.seconds:,.0f} orders/s; created {job['orders_created']}, duplicate {job['orders_duplicate']}; "
                    f"server RSS {run.rss_before_kb / 1024:.0f} MB before, peak +{run.growth_mb:.1f} MB"
                )
                time.sleep(0.5)
    finally:
        if server is not None:
            server.stop()
        session_db.drop(database)


if __name__ == "__main__":
    main()
