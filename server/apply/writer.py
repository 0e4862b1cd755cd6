"""Write back what a batch changed: real ids for new rows, then deletes, inserts and updates in bulk."""

from __future__ import annotations

import functools
from collections import defaultdict
from itertools import compress
from operator import attrgetter, itemgetter, ne

import msgspec

from server.db import Tx, in_list
from sync import model as m

from . import positions


async def _allocate_ids(tx: Tx, wanted: list[tuple[str, int]]) -> list[list[int]]:
    """Real ids for `count` new rows of each (table, count), in that order."""
    if tx.dialect == "postgres":
        out = []
        for table, count in wanted:
            if table == "ledger":  # pull cursors are ledger ids: see server/apply/positions.py
                out.append(await positions.allocate(tx, count))
                continue
            rows = await tx.fetch(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)", count)
            out.append([r[0] for r in rows])
        return out
    # SQLite: the batch holds the write lock (BEGIN IMMEDIATE), so max(id) cannot move under us. One
    # statement for every table (a pick adds ledger, timeline and movement rows).
    tops = await tx.fetchrow("SELECT " + ", ".join(f"(SELECT COALESCE(MAX(id), 0) FROM {table})" for table, _ in wanted))
    return [list(range(top + 1, top + 1 + count)) for top, (_, count) in zip(tops, wanted, strict=True)]


# The ledger's result column: compact JSON, as json.dumps(separators=(",", ":")) wrote it, faster.
_encode = msgspec.json.Encoder().encode
_VERSIONED = (m.PickTask, m.Package, m.Route, m.RouteStop, m.SyncException, m.ScopeExit, m.FloorTask, m.PurchaseOrder, m.Rma)


def _remap_payload(payload: dict, ids: dict[int, int]) -> dict:
    if not any(key.endswith(("_id", "_ids")) for key in payload):
        return payload  # nothing in it can name a new row (a pick's result, for one)
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
    new_rows = [rows for row_type in m.WRITE_ORDER if (rows := by_type.get(row_type))]
    if new_rows:
        wanted = [(m.TABLES[type(rows[0])].name, len(rows)) for rows in new_rows]
        for rows, real in zip(new_rows, await _allocate_ids(tx, wanted), strict=True):
            ids.update(zip(map(_ID, rows), real, strict=True))

    for outcome in outcomes:
        outcome.result = _remap_payload(outcome.result, ids)
        if outcome.ledger is not None:
            outcome.ledger.result = _encode(outcome.result).decode()
    for row_type, rows in by_type.items():
        refs = _REFS[row_type]
        of_refs = _REF_VALUES[row_type]
        for row in rows:
            if row.id < 0:
                row.id = ids[row.id]
            for name, value in zip(refs, of_refs(row), strict=True):
                if value.__class__ is int and value < 0:
                    setattr(row, name, ids[value])
    # Only rows whose values differ from what was loaded are written, and only the mutable columns (its
    # version aside) that differ; every mutable column of a row that was not loaded here.
    changes: dict[type, list] = defaultdict(list)
    loaded = state.loaded
    for row in state.dirty.values():
        row_type = type(row)
        # A loaded row's other references are as loaded: only a mutable one can point at a new row.
        for name in _MUTABLE_REFS[row_type]:
            value = getattr(row, name)
            if value.__class__ is int and value < 0:
                setattr(row, name, ids[value])
        mutable, of_row, of_record = _DIFF[row_type]
        record = loaded.get(id(row))
        if record is None:
            changes[row_type].append((row, mutable))
            continue
        now, then = of_row(row), of_record(record)
        if now != then:
            changes[row_type].append((row, tuple(compress(mutable, map(ne, now, then)))))
    # Rows a device pulls carry the ledger position of their last change: pull cursors compare with it.
    ledger_rows = by_type.get(m.LedgerRow)
    if ledger_rows:
        version = max(map(_ID, ledger_rows))
        for row_type in _VERSIONED:
            for row in by_type.get(row_type, ()):
                row.version = version
            for row, _ in changes.get(row_type, ()):
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
        await tx.executemany(_INSERT_SQL[row_type], list(map(_ROW_VALUES[row_type], rows)))

    for row_type in m.WRITE_ORDER:
        typed = changes.get(row_type)
        if not typed:
            continue
        by_columns: dict[tuple[str, ...], list] = defaultdict(list)
        for row, columns in typed:
            by_columns[columns].append(row)
        versioned = row_type in _VERSION_SET
        for cols, rows in by_columns.items():
            if versioned:
                cols += ("version",)
            await tx.executemany(_update_sql(m.TABLES[row_type].name, cols), list(map(attrgetter(*cols, "id"), rows)))


@functools.cache
def _update_sql(table: str, cols: tuple[str, ...]) -> str:
    return f"UPDATE {table} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?"


def _getter(make, keys):
    """`make(*keys)` returning a tuple even for one key."""
    if len(keys) == 1:
        one = make(keys[0])
        return lambda value: (one(value),)
    return make(*keys)


# Per row type: what an UPDATE may set (besides the version every changed versioned row gets), and
# getters of those values from a row and from its record (the loader's SELECT lists are the row
# type's columns, in order).
_DIFF = {}
for _type, _table in m.TABLES.items():
    _mutable = tuple(c for c in _table.mutable if c != "version")
    if _mutable:
        _positions = [m.columns(_type).index(c) for c in _mutable]
        _DIFF[_type] = (_mutable, _getter(attrgetter, _mutable), _getter(itemgetter, _positions))
    else:
        _DIFF[_type] = ((), lambda row: (), lambda record: ())
_REFS = {t: tuple(d.refs) for t, d in m.TABLES.items()}
_REF_VALUES = {t: _getter(attrgetter, refs) if refs else lambda row: () for t, refs in _REFS.items()}
_MUTABLE_REFS = {t: tuple(r for r in d.refs if r in d.mutable) for t, d in m.TABLES.items()}
_VERSION_SET = frozenset(t for t, d in m.TABLES.items() if "version" in d.mutable)
_ID = attrgetter("id")
_INSERT_SQL = {t: f"INSERT INTO {d.name} ({', '.join(m.columns(t))}) VALUES {in_list(m.columns(t))}" for t, d in m.TABLES.items()}
_ROW_VALUES = {t: attrgetter(*m.columns(t)) for t in m.TABLES}
