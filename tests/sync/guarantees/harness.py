"""Shared machinery for the sync-guarantee tests (G1–G10, docs/sync-protocol.md).

* `RawDB`: synchronous, direct access to the test database (plain `sqlite3` without type
  converters, so values are compared exactly as stored; or asyncpg on a private event loop), used
  to read invariants "straight from the DB", to snapshot and restore whole databases and to
  fingerprint the rows a push may touch.
* `check_invariants`: every invariant of G1–G4 that can be read from the tables alone.
* `seed_floor`: a small warehouse with pickers, a supervisor, devices, orders and released waves
  (built with `tests.warehouse`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from server.schema import ENGINE_TABLE_NAMES, TABLE_NAMES
from server.settings import DatabaseConfig
from sync.orders import TRANSITIONS
from tests import support
from tests.support import create_user, login
from tests.warehouse import register_device, small_warehouse

# Every table of the schema, parents before children (insert order that satisfies foreign keys).
TABLES = TABLE_NAMES
# The rows a device's push may change (G5 compares these; "nothing applied" checks fingerprint them).
ENGINE_TABLES = ENGINE_TABLE_NAMES


class RawDB:
    """One connection to a database, synchronous, with `?` placeholders on both engines."""

    def __init__(self, config: DatabaseConfig | None = None):
        self.config = config or support.db_config()
        self.dialect = self.config.dialect
        if self.dialect == "sqlite":
            # No detect_types: values come back exactly as stored. Foreign keys are off on this
            # connection (SQLite's default), so restores may insert in any order.
            self._conn = sqlite3.connect(self.config.path, timeout=60, isolation_level=None)
        else:
            import asyncpg

            self._loop = asyncio.new_event_loop()
            self._conn = self._loop.run_until_complete(asyncpg.connect(self.config.dsn))

    def _pg(self, sql: str) -> str:
        from server.db import _to_pg

        return _to_pg(sql)

    def fetch(self, sql: str, *args) -> list[tuple]:
        if self.dialect == "sqlite":
            return [tuple(r) for r in self._conn.execute(sql, args).fetchall()]
        rows = self._loop.run_until_complete(self._conn.fetch(self._pg(sql), *args))
        return [tuple(r) for r in rows]

    def val(self, sql: str, *args):
        rows = self.fetch(sql, *args)
        return rows[0][0] if rows else None

    def execute(self, sql: str, *args) -> None:
        if self.dialect == "sqlite":
            self._conn.execute(sql, args)
        else:
            self._loop.run_until_complete(self._conn.execute(self._pg(sql), *args))

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            self._conn.executemany(sql, rows)
        else:
            self._loop.run_until_complete(self._conn.executemany(self._pg(sql), rows))

    def begin_read(self) -> None:
        self.execute("BEGIN" if self.dialect == "sqlite" else "BEGIN ISOLATION LEVEL REPEATABLE READ")

    def commit(self) -> None:
        self.execute("COMMIT")

    def close(self) -> None:
        if self.dialect == "sqlite":
            self._conn.close()
        else:
            self._loop.run_until_complete(self._conn.close())
            self._loop.close()

    def __enter__(self) -> RawDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- whole tables -------------------------------------------------------------------------
    def columns(self, table: str) -> list[str]:
        if self.dialect == "sqlite":
            return [r[1] for r in self._conn.execute(f"PRAGMA table_info({table})").fetchall()]
        rows = self.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? "
            "ORDER BY ordinal_position",
            table,
        )
        return [r[0] for r in rows]

    def rows(self, table: str) -> list[tuple]:
        cols = self.columns(table)
        return self.fetch(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id")

    def table_names(self) -> set[str]:
        if self.dialect == "sqlite":
            rows = self.fetch("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        else:
            rows = self.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {r[0] for r in rows}

    def sequences(self) -> dict[str, tuple[int, bool]]:
        """PostgreSQL: each table's id sequence state (last_value, is_called); SQLite has none (ids are max + 1)."""
        if self.dialect == "sqlite":
            return {}
        out = {}
        for table in TABLES:
            seq = self.val("SELECT pg_get_serial_sequence(?, 'id')", table)
            if seq:
                row = self.fetch(f"SELECT last_value, is_called FROM {seq}")[0]
                out[table] = (row[0], row[1])
        return out


@dataclass
class Snapshot:
    tables: dict[str, tuple[list[str], list[tuple]]]
    sequences: dict[str, tuple[int, bool]]


def snapshot(raw: RawDB) -> Snapshot:
    known = raw.table_names()
    missing = known - set(TABLES) - {"piccolo_migration", "migration"}
    assert not missing, f"tables the guarantee harness does not know about: {missing}"
    raw.begin_read()
    try:
        tables = {t: (raw.columns(t), raw.rows(t)) for t in TABLES}
        sequences = raw.sequences()
    finally:
        raw.commit()
    return Snapshot(tables, sequences)


def restore(raw: RawDB, snap: Snapshot) -> None:
    """Make the database hold exactly the snapshot's rows (and id sequences)."""
    if raw.dialect == "sqlite":
        raw.execute("BEGIN IMMEDIATE")
        for table in reversed(TABLES):
            raw.execute(f"DELETE FROM {table}")
    else:
        raw.execute("BEGIN")
        raw.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    for table in TABLES:
        cols, rows = snap.tables[table]
        raw.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    for table, (last_value, is_called) in snap.sequences.items():
        seq = raw.val("SELECT pg_get_serial_sequence(?, 'id')", table)
        raw.execute(f"SELECT setval('{seq}', {int(last_value)}, {'true' if is_called else 'false'})")
    raw.execute("COMMIT")


def fingerprint(raw: RawDB, tables=ENGINE_TABLES) -> dict[str, Any]:
    """Everything a push could have changed: the engine's tables and every device's last seq."""
    raw.begin_read()
    try:
        out = {t: raw.rows(t) for t in tables}
        out["device.last_seq"] = raw.fetch("SELECT device_id, last_seq FROM device ORDER BY device_id")
        out["quarantined_op"] = raw.fetch("SELECT device_id, seq, body FROM quarantined_op ORDER BY device_id, seq")
    finally:
        raw.commit()
    return out


# -- invariants (G1–G4), read straight from the tables ------------------------------------------


def check_invariants(raw: RawDB) -> list[str]:
    """Violations of the invariants the tables alone can show; [] when all hold."""
    raw.begin_read()
    try:
        return _check(raw)
    finally:
        raw.commit()


def _check(raw: RawDB) -> list[str]:
    bad: list[str] = []
    # Stock: on hand >= 0, 0 <= reserved <= on hand, reserved == the reservations on the row.
    for sid, on_hand, reserved, held in raw.fetch(
        "SELECT s.id, s.on_hand, s.reserved, COALESCE((SELECT SUM(r.qty) FROM reservation r WHERE r.stock = s.id), 0) "
        "FROM stock s ORDER BY s.id"
    ):
        if on_hand < 0:
            bad.append(f"stock {sid}: on_hand {on_hand} < 0")
        if not 0 <= reserved <= on_hand:
            bad.append(f"stock {sid}: reserved {reserved} not within 0..on_hand {on_hand}")
        if reserved != held:
            bad.append(f"stock {sid}: reserved {reserved} != sum of its reservations {held}")
    for rid, qty in raw.fetch("SELECT id, qty FROM reservation WHERE qty <= 0"):
        bad.append(f"reservation {rid}: qty {qty} <= 0")
    # No line over-picked.
    for lid, qty, picked in raw.fetch("SELECT id, qty, qty_picked FROM order_line ORDER BY id"):
        if not 0 <= picked <= qty:
            bad.append(f"order_line {lid}: qty_picked {picked} not within 0..qty {qty}")

    # G1/G2: exactly one ledger row per (device, seq), and a device's seqs are exactly 1..last_seq.
    ledger = raw.fetch("SELECT id, device_id, seq, status, code FROM ledger WHERE device_id IS NOT NULL ORDER BY id")
    per_device: dict[str, list[int]] = defaultdict(list)
    for _, device_id, seq, _, _ in ledger:
        per_device[device_id].append(seq)
    last_seqs = dict(raw.fetch("SELECT device_id, last_seq FROM device"))
    for device_id, last in last_seqs.items():
        seqs = per_device.get(device_id, [])
        dupes = [s for s, n in Counter(seqs).items() if n > 1]
        if dupes:
            bad.append(f"device {device_id}: ledger has seqs {dupes[:5]} more than once")
        if sorted(seqs) != list(range(1, last + 1)):
            missing = sorted(set(range(1, last + 1)) - set(seqs))
            extra = sorted(set(seqs) - set(range(1, last + 1)))
            bad.append(f"device {device_id}: last_seq {last} but ledger seqs missing {missing[:5]} extra {extra[:5]}")
    for device_id in set(per_device) - set(last_seqs):
        bad.append(f"ledger rows for unregistered device {device_id}")

    # G3: every device op has an outcome; adjusted/rejected ones have an exception naming device and seq.
    exceptions = {
        (d, s, l)
        for d, s, l in raw.fetch(
            "SELECT device_id, seq, ledger_id FROM sync_exception WHERE device_id IS NOT NULL AND kind IN ('conflict', 'rejected_op')"
        )
    }
    for lid, device_id, seq, status, code in ledger:
        if status not in ("applied", "adjusted", "rejected"):
            bad.append(f"ledger {lid}: status {status!r}")
        elif status != "applied":
            if (device_id, seq, lid) not in exceptions:
                bad.append(f"ledger {lid} ({device_id} seq {seq}) is {status} {code} but has no exception for a supervisor")
            if not code:
                bad.append(f"ledger {lid}: {status} without a code")

    # Order statuses only through legal transitions: the timeline starts at new, every step is in
    # TRANSITIONS, and it ends at the order's status.
    events = defaultdict(list)
    for order, status in raw.fetch("SELECT sales_order, status FROM order_event ORDER BY id"):
        events[order].append(status)
    for oid, status in raw.fetch("SELECT id, status FROM sales_order ORDER BY id"):
        timeline = events.get(oid, [])
        if not timeline or timeline[0] != "new":
            bad.append(f"order {oid}: timeline {timeline} does not start at new")
            continue
        for before, after in zip(timeline, timeline[1:], strict=False):
            if after not in TRANSITIONS[before]:
                bad.append(f"order {oid}: illegal transition {before} -> {after} in {timeline}")
        if timeline[-1] != status:
            bad.append(f"order {oid}: status {status} but timeline ends at {timeline[-1]}")

    bad += _conservation(raw)
    bad += trail_mismatches(raw)
    return bad


def units_balance(raw: RawDB) -> dict[str, tuple[int, int]]:
    """Per SKU: (units the book can account for, units that came in or were found / written off).

    Left:  Σ stock.on_hand + Σ order_line.qty_picked + Σ open put-away tasks' qty (units in totes
           waiting to go back to a bin).
    Right: Σ applied stock adjustments' qty_delta (opening stock included: it is booked that way)
           + Σ cycle-count tasks' qty of picks (units a pick found beyond the book, `take_from_bin`)
           − Σ short-pick exceptions' qty (units a short pick wrote off the book, `apply_pick_short`).
    Receipts, counts and approved stock changes add their booked delta, returns their restocked
    units (a scrapped unit never reaches the book); a move adds nothing.
    """
    skus = dict(raw.fetch("SELECT id, sku FROM product"))
    left: Counter = Counter()
    right: Counter = Counter()
    for product, qty in raw.fetch("SELECT product, SUM(on_hand) FROM stock GROUP BY product"):
        left[skus[product]] += qty
    for product, qty in raw.fetch("SELECT product, SUM(qty_picked) FROM order_line GROUP BY product"):
        left[skus[product]] += qty
    for product, qty in raw.fetch(
        "SELECT product, SUM(qty) FROM floor_task WHERE kind = 'put_away' AND status = 'open' GROUP BY product"
    ):
        left[skus[product]] += qty
    for op_type, args, _status, result in raw.fetch(
        "SELECT op_type, args, status, result FROM ledger WHERE status != 'rejected' "
        "AND op_type IN ('adjust_stock', 'receive', 'count', 'return_receive', 'approve_stock_change')"
    ):
        a = json.loads(args)
        if op_type == "adjust_stock":
            right[a["sku"]] += a["qty_delta"]
        elif op_type == "receive":  # a receipt waiting for approval books nothing yet
            right[a["sku"]] += json.loads(result)["received"]
        elif op_type == "count":
            right[a["sku"]] += json.loads(result)["difference"]
        elif op_type == "approve_stock_change":
            decided = json.loads(result)
            sku = raw.val("SELECT p.sku FROM floor_task f JOIN product p ON p.id = f.product WHERE f.id = ?", a["task_id"])
            right[sku] += decided["received"] + decided["difference"]
        else:  # return_receive: resellable units come back onto the book, damaged ones are scrapped
            right[a["sku"]] += json.loads(result)["restocked"]
    # Only a pick can find units beyond the book (they are in the tote): a move never changes a total,
    # so a count it asks for carries no found units, and one that did would break the balance.
    for product, qty in raw.fetch(
        "SELECT f.product, SUM(f.qty) FROM floor_task f JOIN ledger g ON g.id = f.ledger_id "
        "WHERE f.kind = 'cycle_count' AND g.op_type IN ('pick', 'pick_short') GROUP BY f.product"
    ):
        right[skus[product]] += qty
    for product, qty in raw.fetch("SELECT product, SUM(qty) FROM sync_exception WHERE kind = 'short_pick' GROUP BY product"):
        right[skus[product]] -= qty
    return {sku: (left[sku], right[sku]) for sku in sorted(set(left) | set(right))}


def _conservation(raw: RawDB) -> list[str]:
    return [
        f"units of {sku} not conserved: on hand + picked + in put-away totes = {l}, but adjustments + found − written off = {r}"
        for sku, (l, r) in units_balance(raw).items()
        if l != r
    ]


def trail_mismatches(raw: RawDB) -> list[str]:
    """Every bin's trail adds up: per location × product × lot, the stock movements sum to the book's
    on_hand, each movement's `on_hand_after` is the running sum, and each names a booked (applied or
    adjusted) op of its own type in the ledger."""
    bad: list[str] = []
    running: Counter = Counter()
    ledger = {
        lid: (op_type, status, actor)
        for lid, op_type, status, actor in raw.fetch("SELECT id, op_type, status, actor FROM ledger")
    }
    for mid, ledger_id, location, product, lot, delta, after, op_type, actor in raw.fetch(
        "SELECT id, ledger_id, location, product, lot, delta, on_hand_after, op_type, actor FROM stock_movement ORDER BY id"
    ):
        key = (location, product, lot)
        running[key] += delta
        if running[key] != after:
            bad.append(f"stock_movement {mid}: on_hand_after {after}, but the movements of {key} sum to {running[key]}")
        if ledger.get(ledger_id, (None, "missing", None))[:1] != (op_type,) or ledger[ledger_id][1] == "rejected":
            bad.append(f"stock_movement {mid}: its ledger row {ledger_id} is {ledger.get(ledger_id)}, not a booked {op_type}")
        elif ledger[ledger_id][2] != actor:
            bad.append(f"stock_movement {mid}: actor {actor}, its op's actor {ledger[ledger_id][2]}")
    for location, product, lot, on_hand in raw.fetch("SELECT location, product, lot, on_hand FROM stock"):
        moved = running.pop((location, product, lot), 0)
        if moved != on_hand:
            bad.append(f"stock at {(location, product, lot)}: on_hand {on_hand}, its movements sum to {moved}")
    bad += [f"movements of {key} sum to {units} but no stock row is there" for key, units in running.items() if units]
    return bad


def assert_invariants(raw: RawDB) -> None:
    bad = check_invariants(raw)
    assert not bad, "invariants violated:\n  " + "\n  ".join(bad)


# -- cursors ----------------------------------------------------------------------------------


def cursor_value(cursor: str) -> int:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    prefix, *values = raw.split(":")  # v3:<sync epoch>:<ledger position>:<catalog revision>
    assert prefix == "v3" and len(values) == 3, cursor
    return int(values[1])


# -- a small floor ----------------------------------------------------------------------------

# Short-pick reasons the random workloads use ("empty" writes the whole bin off the book).
SHORT_REASONS = ("empty", "damaged", "not_found")

STOCK = {"SKU-A": [("A-01", 4), ("A-03", 4)], "SKU-B": [("A-02", 3), ("A-05", 2)], "SKU-C": [("A-04", 3)]}
# Orders 1–2 are released to pia, 3–4 to pete; 5 stays allocated and 6 is partially allocated (not released).
ORDERS = [
    [("SKU-A", 3), ("SKU-B", 2)],
    [("SKU-A", 2)],
    [("SKU-C", 2), ("SKU-B", 2)],
    [("SKU-A", 2)],
    [("SKU-C", 1)],
    [("SKU-A", 5)],
]


@dataclass
class Floor:
    admin: dict
    supervisor: dict
    supervisor_device: str
    users: dict[str, dict]  # username -> auth headers
    devices: dict[str, tuple[str, str]]  # name -> (username, device_id)
    orders: list[dict]
    extra: dict = field(default_factory=dict)


def seed_floor(client, stock=None, orders=None, waves=None, devices=None) -> Floor:
    """Admin, supervisor sam (with a device), pickers pia and pete; devices pia-1, pia-2 (pia's, same
    wave) and pete-1; the given stock; orders; waves {picker: [order numbers (1-based)]}."""
    admin = login(client, "root", create_user("root", "admin"))
    warehouse = small_warehouse(client, admin, stock if stock is not None else STOCK)
    sam = login(client, "sam", create_user("sam", "supervisor"))
    users = {"sam": sam}
    for name in ("pia", "pete"):
        users[name] = login(client, name, create_user(name, "picker"))
    devices = devices or {"pia-1": "pia", "pia-2": "pia", "pete-1": "pete"}
    device_ids = {name: (user, register_device(client, users[user], name)) for name, user in devices.items()}
    created = warehouse.orders(orders if orders is not None else ORDERS, "G")
    for picker, numbers in (waves if waves is not None else {"pia": [1, 2], "pete": [3, 4]}).items():
        warehouse.release([created[n - 1] for n in numbers], picker)
    orders_now = warehouse.read_orders(created)
    return Floor(admin, sam, register_device(client, sam, "sam's tablet"), users, device_ids, orders_now)


def op(seq: int, type_: str, at: str = "2026-11-26T10:02:03.120Z", version: int = 1, **args) -> dict:
    return {"seq": seq, "type": type_, "version": version, "at": at, "args": args}


def semantic_state(raw: RawDB) -> dict[str, list]:
    """What the floor's data means, independent of commit timestamps and of the ids that rows created
    during a run happen to get (on PostgreSQL a rolled-back transaction burns sequence values): two
    runs of the same ops must agree on this exactly."""
    q = raw.fetch
    raw.begin_read()
    try:
        return {
            "stock": q("SELECT id, location, product, lot, on_hand, reserved FROM stock ORDER BY id"),
            "order_line": q("SELECT id, qty, qty_allocated, qty_picked, status FROM order_line ORDER BY id"),
            "sales_order": q("SELECT id, status FROM sales_order ORDER BY id"),
            "reservation": sorted(q("SELECT order_line, stock, qty FROM reservation")),
            "pick_task": sorted(
                q(
                    "SELECT wave, picker, sales_order, order_line, location, product, lot, qty, qty_picked, seq, tote, status FROM pick_task"
                )
            ),
            "ledger": sorted(
                q(
                    "SELECT device_id, seq, op_type, op_version, args, status, code, message, result FROM ledger WHERE device_id IS NOT NULL"
                )
            ),
            "order_event": q("SELECT sales_order, status, note FROM order_event ORDER BY sales_order, id"),
            "floor_task": sorted(q("SELECT kind, status, location, product, lot, qty, tote, sales_order, note FROM floor_task")),
            "sync_exception": sorted(
                q(
                    "SELECT kind, code, message, status, device_id, seq, sales_order, order_line, location, product, qty, people "
                    "FROM sync_exception"
                ),
                key=repr,
            ),
            "device": q("SELECT device_id, last_seq FROM device ORDER BY device_id"),
        }
    finally:
        raw.commit()


def diff_states(a: dict, b: dict) -> list[str]:
    out = []
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key), b.get(key)
        if ra != rb:
            sa, sb = set(map(repr, ra or [])), set(map(repr, rb or []))
            out.append(
                f"{key}: only in first {sorted(sa - sb)[:4]}; only in second {sorted(sb - sa)[:4]}"
                + ("" if sa != sb else " (same rows, different order)")
            )
    return out
