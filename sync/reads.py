"""What a batch of ops must have in its State before the engine applies it.

Each op's registration has a `reads(op, reads)` function that adds to one `Reads`; the server's
loader turns the sum into a handful of set-based queries. Plain data: no database in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# "Every unit in the bin": a count or an "empty bin" short pick can take all of it.
UNBOUNDED = 1 << 40


@dataclass(slots=True)
class Reads:
    skus: set[str] = field(default_factory=set)
    location_codes: set[str] = field(default_factory=set)
    order_ids: set[int] = field(default_factory=set)
    line_ids: set[int] = field(default_factory=set)
    package_codes: set[str] = field(default_factory=set)
    package_type_codes: set[str] = field(default_factory=set)
    route_ids: set[int] = field(default_factory=set)  # routes with every stop and package on them
    stop_ids: set[int] = field(default_factory=set)  # stops, with their route (whole) and packages
    usernames: set[str] = field(default_factory=set)
    task_ids: set[int] = field(default_factory=set)
    exception_ids: set[int] = field(default_factory=set)
    refs: set[tuple[str, str]] = field(default_factory=set)  # (channel code, external ref)
    channel_codes: set[str] = field(default_factory=set)
    po_ids: set[int] = field(default_factory=set)  # purchase orders, whole (every line), with their supplier
    supplier_codes: set[str] = field(default_factory=set)
    open_pos_of: bool = False  # every open purchase order of the batch's products (what is already on order)
    rma_codes: set[str] = field(default_factory=set)  # RMAs by code, whole (lines, refunds), with every RMA of their orders
    rma_ids: set[int] = field(default_factory=set)  # the same, by id
    rmas_of: set[int] = field(default_factory=set)  # orders whose every RMA is needed (what is already expected back)
    drop_ships_of: set[int] = field(default_factory=set)  # orders whose drop-ship purchase orders are needed
    # (location code, sku) → ({line id: units picked for it}, [units taken by other ops])
    hot: dict[tuple[str, str], tuple[dict[int, int], list[int]]] = field(default_factory=dict)
    counts: set[tuple[str, str]] = field(default_factory=set)  # (location code, sku) counted
    floor_task_ids: set[int] = field(default_factory=set)  # follow-up tasks an op acts on (approvals)
    picked_of: set[int] = field(default_factory=set)  # orders whose finished pick tasks are needed too
    tasks_of: set[int] = field(default_factory=set)  # orders whose every pick task is needed (short ones too)
    allocates: bool = False  # the batch may reserve stock of any product (so "free" units may not stay free)
    allocates_skus: set[str] = field(default_factory=set)  # … or of these products only
    feeds: bool = False  # the batch may free or add stock, so backordered orders must be loaded
    ship_to: bool = False  # the ship-to addresses of the batch's orders (a channel's update compares them)

    def take(self, location: str, sku: str, qty: int, line_id: int | None = None) -> None:
        """Units the batch may take from a bin's book: by a pick of `line_id`, or by anything else."""
        picks, other = self.hot.setdefault((location, sku), ({}, [0]))
        if line_id is None:
            other[0] += qty
        else:
            picks[line_id] = picks.get(line_id, 0) + qty

    def feeds_backorders(self) -> None:
        """The op can free or add stock: waiting orders may get it, so they join the slice."""
        self.feeds = True
        self.allocates = True

    def stock_at(self, location: str, sku: str) -> None:
        self.skus.add(sku)
        self.location_codes.add(location)


def nothing(op: object, reads: Reads) -> None:
    """For ops whose rule needs nothing beyond the warehouse itself."""
