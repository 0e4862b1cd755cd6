"""The owner keys a batch will need, remembered from the batches before it (PostgreSQL).

A batch on PostgreSQL must hold the owner keys of everything it decides from (server/apply/locks.py).
Which keys those are is only known once its slice is loaded, so a batch that holds none of them
loads, locks, and loads again under the locks. The keys of an order — the order's own and its lines'
products — rarely change, and the next pick of an order is usually another of its lines: this memo
maps each line and package the engine has loaded to its order's keys, so such a batch takes them
first and loads once.

A guess is never trusted: after the one load, `EngineTx.apply` checks the slice's keys against those
held as before and, if any is missing (a line added by an order update since, another process's
change, a wrong item from another product), locks it and loads again — the old path. A key held
that turns out not to be needed only makes another batch wait a little. Per process; bounded.
"""

from __future__ import annotations

from collections.abc import Sequence

from sync import model as m
from sync.engine import Submission
from sync.ops import Op

from . import locks

_LIMIT = 200_000  # entries per map before it is emptied and learnt again


class KeyMemo:
    def __init__(self) -> None:
        self._by_line: dict[int, frozenset[int]] = {}
        self._by_package: dict[str, frozenset[int]] = {}

    def guess(self, batch: Sequence[Submission | Op]) -> frozenset[int] | None:
        """The keys every op of `batch` needed last time its order was loaded; None when any op is not known."""
        keys: set[int] = set()
        for item in batch:
            op = item.op if isinstance(item, Submission) else item
            line = getattr(op, "order_line_id", None)
            if isinstance(line, int):
                known = self._by_line.get(line)
            else:
                code = getattr(op, "package", None)
                known = self._by_package.get(code) if isinstance(code, str) else None
            if known is None:
                return None
            keys |= known
        return frozenset(keys)

    def guess_line(self, line_id: int) -> frozenset[int] | None:
        return self._by_line.get(line_id)

    def learn(self, state: m.State) -> None:
        """Remember the keys of every order whose lines are in `state` (loaded whole, with all its lines)."""
        if len(self._by_line) > _LIMIT or len(self._by_package) > _LIMIT:
            self._by_line.clear()
            self._by_package.clear()
        products: dict[int, set[int]] = {}
        for line in state.lines.values():
            products.setdefault(line.sales_order, set()).add(locks.key(locks.PRODUCT, line.product))
        of_order = {order: frozenset(keys | {locks.key(locks.ORDER, order)}) for order, keys in products.items()}
        for line in state.lines.values():
            self._by_line[line.id] = of_order[line.sales_order]
        for package in state.packages.values():
            keys = of_order.get(package.sales_order)
            if keys is not None:
                self._by_package[package.code] = keys


MEMO = KeyMemo()
