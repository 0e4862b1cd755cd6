"""What an engine transaction locks on PostgreSQL: one advisory key per thing a batch touches.

Every row the engine may change belongs to one *lock owner*: a stock row to its product, an order's
lines, reservations, pick tasks, packages, items, deliveries and RMAs to the order, a stop to its
route, a PO line to its PO. A transaction holds the owner keys of everything it loaded before it
decides anything, so two pushes that touch different products and different orders run and commit
side by side, and two that race for the same last units take turns on the product's key.

Products are owners (not single stock rows) on purpose: allocation reads *every* bin of a product
and the backorders waiting for it, so two transactions on one product must never both decide from
a stale picture — one arriving delivery, one new order.

Keys are 64-bit integers, `rank << 48 | id`. A transaction only ever acquires keys in ascending
order (`EngineTx.lock` in server/apply/runner.py refuses to go back and restarts the transaction
with every key taken up front instead), so no two engine transactions can wait on each other in a
cycle: deadlock-free by construction, not by detection. Names (a device id) have the lowest rank (a
push takes its device's first).

Ledger ids are handed out by a sequence and so do *not* follow commit order on PostgreSQL: two
transactions commit in whichever order they finish. Pull cursors still need a position below which
nothing can appear any more; server/apply/positions.py finds it with two more keys outside the
owners' order, never waited for by an engine transaction: a *marker* per transaction that holds
ledger ids (rank MARK, its first id), and the *gate* (rank GATE) that makes taking a first id and
publishing its marker one step as a pull sees it.
"""

from __future__ import annotations

import zlib

from sync import model as m

_SHIFT = 48
_ID_MASK = (1 << _SHIFT) - 1

NAME = 1
PRODUCT = 2
ORDER = 3
PURCHASE_ORDER = 4
ROUTE = 5
FLOOR_TASK = 6
EXCEPTION = 7
CUSTOMER = 8
ADDRESS = 9
WAVE = 10
# Ledger positions (server/apply/positions.py): not owners, never part of an engine transaction's order.
MARK = 121
GATE_RANK = 122


def key(rank: int, ident: int) -> int:
    """The advisory key of owner `ident` of kind `rank` (ids beyond 2**48 share keys: only coarser)."""
    return (rank << _SHIFT) | (ident & _ID_MASK)


GATE = key(GATE_RANK, 0)


def name_key(name: str) -> int:
    """The key of a named thing outside the engine's rows (a device id; two names may share a key,
    which only makes them take turns)."""
    return key(NAME, zlib.crc32(name.encode()))


def keys_of(state: m.State) -> set[int]:
    """The owner keys of every row in `state` that the engine could change or decide from."""
    keys: set[int] = set()
    add = keys.add
    for product in state.products:
        add(key(PRODUCT, product))
    for stock in state.stock.values():
        add(key(PRODUCT, stock.product))
    for order in state.orders:
        add(key(ORDER, order))
    for line in state.lines.values():
        add(key(ORDER, line.sales_order))
        add(key(PRODUCT, line.product))
    for task in state.tasks.values():
        add(key(ORDER, task.sales_order))
    for package in state.packages.values():
        add(key(ORDER, package.sales_order))
    for rma in state.rmas.values():
        add(key(ORDER, rma.sales_order))
    for po in state.purchase_orders:
        add(key(PURCHASE_ORDER, po))
    for po_line in state.po_lines.values():
        add(key(PURCHASE_ORDER, po_line.purchase_order))
        add(key(PRODUCT, po_line.product))
    for route in state.routes:
        add(key(ROUTE, route))
    for stop in state.stops.values():
        add(key(ROUTE, stop.route))
    for floor_task in state.floor_tasks.values():
        add(key(FLOOR_TASK, floor_task.id))
        if floor_task.product is not None:
            add(key(PRODUCT, floor_task.product))
    for exception in state.exceptions:
        add(key(EXCEPTION, exception))
    for customer in state.customers:
        add(key(CUSTOMER, customer))
    for address in state.addresses:
        add(key(ADDRESS, address))
    for wave in state.waves:
        add(key(WAVE, wave))
    return keys
