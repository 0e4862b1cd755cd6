"""Write back what a batch changed: real ids for new rows, then deletes, inserts and updates in bulk."""

from __future__ import annotations

import json
from collections import defaultdict
from operator import attrgetter

from server.db import Tx, in_list
from sync import model as m


async def _allocate_ids(tx: Tx, table: str, count: int) -> list[int]:
    if tx.dialect == "postgres":
        rows = await tx.fetch(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)", count)
        return [r[0] for r in rows]
    # SQLite: the batch holds the write lock (BEGIN IMMEDIATE), so max(id) cannot move under us.
    top = await tx.fetchval(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    return list(range(top + 1, top + 1 + count))


_VERSIONED = (m.PickTask, m.Package, m.Route, m.RouteStop, m.SyncException, m.ScopeExit, m.FloorTask)


def _remap_payload(payload: dict, ids: dict[int, int]) -> dict:
    out = {}
    for key, value in payload.items():
        if key.endswith("_id") and isinstance(value, int) and value < 0:
            value = ids[value]
        elif key.endswith("_ids") and isinstance(value, list):
            value = [ids.get(v, v) if isinstance(v, int) else v for v in value]
        out[key] = value
    return out


async def write_changes(tx: Tx, state: m.State, outcomes) -> None:
    """Persist `state`'s changes; fills real ids into outcomes and their ledger rows."""
    by_type: dict[type, list] = defaultdict(list)
    for row in state.new:
        by_type[type(row)].append(row)

    ids: dict[int, int] = {}
    for row_type in m.WRITE_ORDER:
        rows = by_type.get(row_type)
        if rows:
            table = m.TABLES[row_type].name
            for row, real in zip(rows, await _allocate_ids(tx, table, len(rows)), strict=True):
                ids[row.id] = real

    def remap(row) -> None:
        if row.id < 0:
            row.id = ids[row.id]
        for name in m.TABLES[type(row)].refs:
            value = getattr(row, name)
            if isinstance(value, int) and value < 0:
                setattr(row, name, ids[value])

    for outcome in outcomes:
        outcome.result = _remap_payload(outcome.result, ids)
        if outcome.ledger is not None:
            outcome.ledger.result = json.dumps(outcome.result, separators=(",", ":"))
    for row in state.new:
        remap(row)
    dirty = list(state.dirty.values())
    for row in dirty:
        remap(row)
    # Rows a device pulls carry the ledger position of their last change: pull cursors compare with it.
    ledger_ids = [row.id for row in by_type.get(m.LedgerRow, ())]
    if ledger_ids:
        version = max(ledger_ids)
        for row in (*state.new, *dirty):
            if isinstance(row, _VERSIONED):  # no row type has subclasses: the same test as type(row) in _VERSIONED
                row.version = version

    deleted: dict[type, list[int]] = defaultdict(list)
    for row in state.deleted:
        deleted[type(row)].append(row.id)
    for row_type, row_ids in deleted.items():
        table = m.TABLES[row_type].name
        await tx.execute(f"DELETE FROM {table} WHERE id IN {in_list(row_ids)}", *row_ids)

    for row_type in m.WRITE_ORDER:
        rows = by_type.get(row_type)
        if not rows:
            continue
        table = m.TABLES[row_type].name
        cols = m.columns(row_type)
        await tx.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES {in_list(cols)}",
            list(map(attrgetter(*cols), rows)),
        )

    changed: dict[type, list] = defaultdict(list)
    for row in dirty:
        changed[type(row)].append(row)
    for row_type in m.WRITE_ORDER:
        rows = changed.get(row_type)
        if not rows:
            continue
        table = m.TABLES[row_type].name
        cols = m.TABLES[row_type].mutable
        await tx.executemany(
            f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
            list(map(attrgetter(*cols, "id"), rows)),
        )
