"""Splitting a wave's orders between several pickers so that each walks about the same number of units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def split_by_units(units: Mapping[int, int], order_ids: Sequence[int], pickers: Sequence[str]) -> dict[str, list[int]]:
    """Orders stay whole. The largest order goes first, each to the picker with the fewest units so far
    (ties: the picker named first; orders of equal size: in the order given) — so with at least as many
    orders as pickers, everyone gets one. Each picker's orders come back in the order they were given."""
    load = {picker: 0 for picker in pickers}
    share: dict[str, list[int]] = {picker: [] for picker in pickers}
    position = {order_id: i for i, order_id in enumerate(order_ids)}
    for order_id in sorted(order_ids, key=lambda o: (-units[o], position[o])):
        picker = min(pickers, key=lambda p: (load[p], pickers.index(p)))
        share[picker].append(order_id)
        load[picker] += units[order_id]
    return {picker: sorted(ids, key=position.__getitem__) for picker, ids in share.items()}
