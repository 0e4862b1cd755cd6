"""Ledger positions without a commit-order lock (PostgreSQL only; server/apply/positions.py).

Two functions: `shipshape_ledger_ids(n)` hands out ledger ids and publishes the transaction's first
one as a marker (a shared advisory lock held until it ends); `shipshape_ledger_end()` returns the
highest ledger id below which no transaction can still commit a row. The keys are those of
server/apply/locks.py: MARK = 121 << 48, GATE = 122 << 48 (tests/concurrency check they agree).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger positions, pull indexes"

_MARK = 121 << 48
_GATE = 122 << 48

_IDS = f"""
CREATE OR REPLACE FUNCTION shipshape_ledger_ids(n integer) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    first bigint;
BEGIN
    -- Taking the first id and publishing it are one step for shipshape_ledger_end(): it holds the gate
    -- exclusively while it looks, so it never sees an id taken whose marker is not there yet.
    PERFORM pg_advisory_lock_shared({_GATE});
    first := nextval(pg_get_serial_sequence('ledger', 'id'));
    PERFORM pg_advisory_xact_lock_shared({_MARK} + first);
    PERFORM pg_advisory_unlock_shared({_GATE});
    RETURN NEXT first;
    RETURN QUERY SELECT nextval(pg_get_serial_sequence('ledger', 'id')) FROM generate_series(2, n);
END
$fn$
"""

_END = f"""
CREATE OR REPLACE FUNCTION shipshape_ledger_end() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    low bigint;
    top bigint;
BEGIN
    -- Each statement below must see what is committed when it starts, not an older snapshot.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'shipshape_ledger_end() must run at READ COMMITTED, outside a snapshot transaction';
    END IF;
    PERFORM pg_advisory_lock({_GATE});
    -- The lowest first id of a transaction still holding ledger ids: its rows may yet commit.
    SELECT min(((l.classid::bigint & 65535) << 32) | l.objid::bigint) INTO low
    FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND (l.classid::bigint >> 16) = {_MARK >> 48};
    -- A new snapshot (READ COMMITTED): every id up to `low` - 1 is committed or will never be.
    SELECT COALESCE(max(id), 0) INTO top FROM ledger;
    PERFORM pg_advisory_unlock({_GATE});
    IF low IS NULL THEN
        RETURN top;
    END IF;
    RETURN LEAST(top, low - 1);
END
$fn$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shipshape", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        # A picker's delta pull asks which orders changed since its cursor (server/sync_api/pull.py):
        # without these, every pull read all of pick_task and order_event.
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS order_event_ledger_id ON order_event (ledger_id)")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS pick_task_version ON pick_task (version)")
        if engine.engine_type == "postgres":  # SQLite has one writer: its ledger ids follow commit order
            await engine.run_ddl(_IDS)
            await engine.run_ddl(_END)

    async def drop():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS order_event_ledger_id")
        await engine.run_ddl("DROP INDEX IF EXISTS pick_task_version")
        if engine.engine_type == "postgres":
            await engine.run_ddl("DROP FUNCTION IF EXISTS shipshape_ledger_end()")
            await engine.run_ddl("DROP FUNCTION IF EXISTS shipshape_ledger_ids(integer)")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
