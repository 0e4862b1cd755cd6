"""A backup restored under running phones: the sync epoch makes them re-pull, and their next ops count once.

The story: a picker syncs; the admin takes a backup; the picker's next two picks are acknowledged (the
phone forgets them); the database is restored from the backup (those picks are gone with it); the admin
runs `shipshape new-epoch`; the phone's old cursor gets a full snapshot, and its next ops are accepted
— exactly once — although their seqs start past what the restored database last acknowledged."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import subprocess
from pathlib import Path

import httpx

from server.db import Database
from tests import support
from tests.warehouse import Device, device_for, setup_floor


def _backup(folder: Path) -> Path:
    """The session database as an operator backs it up: pg_dump, or SQLite's online backup."""
    config = support.db_config()
    if config.dialect == "postgres":
        dump = folder / "shipshape.dump"
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", config.dsn], check=True, capture_output=True)
        return dump
    copy = folder / "shipshape-backup.db"
    with sqlite3.connect(config.path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def _restore(backup: Path) -> None:
    """Put the backup back (the server is stopped): pg_restore --clean, or SQLite's backup the other way."""
    config = support.db_config()
    if config.dialect == "postgres":
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner", f"--dbname={config.dsn}", str(backup)],
            check=True,
            capture_output=True,
        )
        return
    with sqlite3.connect(backup) as source, sqlite3.connect(config.path) as target:
        source.backup(target)


def _query(sql: str, *args):
    async def run():
        db = Database(support.db_config())
        await db.start()
        try:
            async with db.read() as tx:
                return [tuple(r) for r in await tx.fetch(sql, *args)]
        finally:
            await db.close()

    return asyncio.run(run())


def _decoded(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def test_after_a_restore_and_new_epoch_phones_re_pull_and_their_next_ops_apply_once(clean_db, tmp_path):
    server = support.LiveServer()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = support.login(http, "root", support.create_user("root", "admin"))
            picker, orders = setup_floor(http, admin, orders=[[("SKU-A", 4)]])
            packer = device_for(http, "pat", "packer")
            line = orders[0]["lines"][0]

            def pick(qty: int = 1) -> dict:
                return picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=qty)

            assert picker.push(pick())["acked_through"] == 1
            first = picker.pull()
            epoch_before = first["epoch"]
            assert epoch_before and _decoded(first["cursor"]).startswith(f"v3:{epoch_before}:")
            backup = _backup(tmp_path)
            # Acknowledged after the backup: the phone deletes seqs 2 and 3 from its outbox.
            assert picker.push(pick(), pick())["acked_through"] == 3
            cursor = picker.pull(first["cursor"])["cursor"]
    finally:
        server.stop()

    _restore(backup)
    assert _query("SELECT last_seq FROM device WHERE device_id = ?", picker.device_id) == [(1,)]
    done = support.run_cli("new-epoch", "--note", "restored the 02:00 backup")
    assert done.returncode == 0, done.stderr
    assert "devices will re-pull a full snapshot" in done.stdout

    server = support.LiveServer()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            picker = Device(http, picker.headers, picker.device_id, next_seq=4)
            packer = Device(http, packer.headers, packer.device_id)
            # The cursor from before the restore: a full snapshot, never a delta against a history that is gone.
            snapshot = picker.pull(cursor)
            assert snapshot["reset"] is True and snapshot["epoch"] != epoch_before
            assert [t["qty_picked"] for t in snapshot["tasks"]] == [1]  # the restored truth: one unit picked
            delta = picker.pull(snapshot["cursor"])
            assert delta["reset"] is False and delta["epoch"] == snapshot["epoch"]

            # The phone's next op is seq 4; the restored database last acknowledged 1. Accepted, once.
            op = pick()
            body = picker.push(op)
            assert body["acked_through"] == 4 and body["results"][0]["status"] == "applied", body
            again = picker.push(op)
            assert again["results"][0]["replayed"] is True
            assert picker.push(pick())["acked_through"] == 5
            assert [t["qty_picked"] for t in picker.pull(delta["cursor"])["tasks"]] == [3]
            # The gap is forgiven once: a later gap is the usual 409.
            picker.next_seq = 9
            assert picker.push(pick(), expect=409)["expected_seq"] == 6
            # A phone that did nothing since the backup just carries on.
            assert packer.pull()["reset"] is True
            # A supervisor sees which acknowledged ops the restore lost.
            exceptions = http.get("/api/exceptions", headers=admin).json()
            lost = [e for e in exceptions if e["code"] == "acked_ops_lost_in_restore"]
            assert len(lost) == 1 and lost[0]["device_id"] == picker.device_id and "ops 2–3" in lost[0]["message"]
    finally:
        server.stop()
    ledger = _query("SELECT seq FROM ledger WHERE device_id = ? ORDER BY seq", picker.device_id)
    assert ledger == [(1,), (4,), (5,)]


def test_cursors_from_before_epochs_stay_valid_until_the_first_new_epoch(client, admin):
    picker, _ = setup_floor(client, admin)
    pulled = picker.pull()
    position, catalog = _decoded(pulled["cursor"]).split(":")[2:]
    old_style = base64.urlsafe_b64encode(f"v2:{position}:{catalog}".encode()).decode().rstrip("=")
    assert picker.pull(old_style)["reset"] is False
    done = support.run_cli("new-epoch")
    assert done.returncode == 0, done.stderr
    assert picker.pull(old_style)["reset"] is True
    assert picker.pull(pulled["cursor"])["reset"] is True  # a v3 cursor of the old epoch too
    assert os.environ["DATABASE_URL"]  # the CLI ran on the session's database, as the server does
