"""The `shipshape` command as an operator uses it: users from the shell, and the demo warehouse."""

from __future__ import annotations

import sqlite3

from tests.support import run_cli


def test_user_add_list_disable(clean_db):
    added = run_cli("user", "add", "carla", "--role", "packer", "--password", "packing-all-day")
    assert added.returncode == 0, added.stderr
    assert "added carla (packer)" in added.stdout
    listed = run_cli("user", "list")
    assert "carla" in listed.stdout and "packer" in listed.stdout and "active" in listed.stdout
    again = run_cli("user", "add", "carla", "--role", "packer", "--password", "packing-all-day")
    assert again.returncode != 0 and "already exists" in again.stderr
    bad_role = run_cli("user", "add", "bob", "--role", "boss", "--password", "long-enough")
    assert bad_role.returncode != 0
    short = run_cli("user", "add", "bob", "--role", "picker", "--password", "short")
    assert short.returncode != 0 and "password" in short.stderr
    disabled = run_cli("user", "disable", "carla")
    assert disabled.returncode == 0
    assert "disabled" in run_cli("user", "list").stdout
    assert run_cli("user", "disable", "nobody").returncode != 0


def test_demo_builds_a_believable_warehouse(tmp_path):
    path = tmp_path / "demo.db"
    result = run_cli("demo", "--db", str(path), "--no-serve", env={"DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    for username in ("pia", "paco", "dan", "sue", "ada"):
        assert username in result.stdout
    db = sqlite3.connect(path)
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT COUNT(*) FROM product") >= 50
    assert one("SELECT COUNT(*) FROM location WHERE kind = 'bin'") >= 100
    assert one("SELECT COUNT(DISTINCT path_seq) FROM location WHERE kind = 'bin'") >= 100
    assert one("SELECT COUNT(*) FROM sales_order WHERE status NOT IN ('cancelled', 'delivered', 'shipped')") >= 30
    assert one("SELECT COUNT(DISTINCT channel) FROM sales_order") == 3
    assert one("SELECT COUNT(*) FROM wave") >= 1 and one("SELECT COUNT(*) FROM pick_task") >= 1
    assert sorted(r[0] for r in db.execute("SELECT DISTINCT role FROM app_user")) == [
        "admin",
        "driver",
        "packer",
        "picker",
        "supervisor",
    ]
    assert one("PRAGMA journal_mode") == "wal"
    # Every barcode is a valid GTIN (biip checks the check digit).
    from biip.gtin import Gtin

    codes = [r[0] for r in db.execute("SELECT code FROM barcode")]
    assert len(codes) >= 50
    for code in codes:
        Gtin.parse(code)
    # Every role has something to do: picked orders at the pack bench (two sealed), a route for dan.
    assert one("SELECT COUNT(*) FROM sales_order WHERE status IN ('picked', 'packed')") == 4
    assert one("SELECT COUNT(*) FROM package WHERE sealed_at IS NOT NULL AND stop IS NOT NULL") == 2
    assert one("SELECT COUNT(*) FROM route r JOIN app_user u ON u.id = r.driver WHERE u.username = 'dan'") == 1
    assert one("SELECT COUNT(*) FROM sales_order WHERE promised_at IS NULL") == 0
    assert one("SELECT COUNT(*) FROM package_type") == 4 and one("SELECT lat FROM warehouse") is not None
    assert one("SELECT COUNT(*) FROM address WHERE lat IS NOT NULL") > one("SELECT COUNT(*) FROM address") / 2
    assert "wave 1 released to pia" in result.stdout and "1 own-fleet route(s) with 2 stops planned for dan" in result.stdout
    # A delivered order with a return requested: a parcel for the packer's Returns tab.
    assert (
        one(
            "SELECT COUNT(*) FROM rma r JOIN sales_order o ON o.id = r.sales_order WHERE r.status = 'requested' AND o.status = 'delivered'"
        )
        == 1
    )
    # The demo's state changes went through the engine, so its ledger tells the story.
    assert one("SELECT COUNT(*) FROM ledger WHERE op_type = 'intake_order'") >= 30
    assert (
        one("SELECT COUNT(*) FROM ledger l JOIN app_user u ON u.id = l.actor WHERE op_type = 'pick' AND u.username = 'pia'") > 0
    )
