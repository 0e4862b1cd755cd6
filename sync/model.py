"""The in-memory slice of warehouse state an op batch works on, and its change tracking.

Rows are plain mutable dataclasses. The shell loads the rows a batch needs, the rules change them,
and the shell writes back exactly what `State` recorded as new, changed or deleted. New rows get
negative temporary ids; the shell swaps them for real ids when it writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields


@dataclass(slots=True)
class Product:
    id: int
    sku: str
    name: str
    active: bool = True


@dataclass(slots=True)
class Location:
    id: int
    warehouse: int
    code: str
    kind: str
    path_seq: int


@dataclass(slots=True)
class User:
    id: int
    username: str
    role: str
    active: bool


@dataclass(slots=True)
class Channel:
    id: int
    code: str


@dataclass(slots=True)
class Stock:
    id: int
    location: int
    product: int
    lot: str
    expiry: dt.date | None
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(slots=True)
class Customer:
    id: int
    name: str
    email: str
    phone: str


@dataclass(slots=True)
class Address:
    id: int
    customer: int
    line1: str
    line2: str
    city: str
    postcode: str
    region: str
    country: str


@dataclass(slots=True)
class Order:
    id: int
    channel: int
    external_ref: str
    customer: int
    ship_to: int
    warehouse: int
    status: str
    payment_status: str
    tracking_token: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class Line:
    id: int
    sales_order: int
    line_no: int
    product: int
    qty: int
    qty_allocated: int
    qty_picked: int
    status: str


@dataclass(slots=True)
class Reservation:
    id: int
    order_line: int
    stock: int
    qty: int


@dataclass(slots=True)
class OrderEvent:
    id: int
    sales_order: int
    status: str
    at: dt.datetime
    note: str
    ledger_id: int | None


@dataclass(slots=True)
class Wave:
    id: int
    warehouse: int
    picker: int
    status: str
    created_at: dt.datetime


@dataclass(slots=True)
class PickTask:
    id: int
    wave: int
    picker: int
    sales_order: int
    order_line: int
    location: int
    product: int
    lot: str
    qty: int
    qty_picked: int
    seq: int
    tote: str
    status: str


@dataclass(slots=True)
class LedgerRow:
    id: int
    device_id: str | None
    seq: int | None
    actor: int | None
    op_type: str
    op_version: int
    args: str
    device_at: dt.datetime | None
    committed_at: dt.datetime
    status: str
    code: str | None
    message: str | None
    result: str


# Which table each row type is written to, and which of its fields point at other rows
# (so temporary ids can be swapped for real ones on write).
TABLES: dict[type, tuple[str, tuple[str, ...]]] = {
    Customer: ("customer", ()),
    Address: ("address", ("customer",)),
    Stock: ("stock", ("location", "product")),
    Order: ("sales_order", ("channel", "customer", "ship_to", "warehouse")),
    Line: ("order_line", ("sales_order", "product")),
    Reservation: ("reservation", ("order_line", "stock")),
    LedgerRow: ("ledger", ("actor",)),
    OrderEvent: ("order_event", ("sales_order", "ledger_id")),
    Wave: ("wave", ("warehouse", "picker")),
    PickTask: ("pick_task", ("wave", "picker", "sales_order", "order_line", "location", "product")),
}
# Insert order that satisfies foreign keys.
WRITE_ORDER: tuple[type, ...] = (Customer, Address, Stock, Order, Line, Reservation, LedgerRow, OrderEvent, Wave, PickTask)


def columns(row_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(row_type))


@dataclass(slots=True)
class State:
    """Rows loaded for one batch, indexed the way the rules look them up, plus what changed."""

    warehouse_id: int
    products: dict[int, Product] = field(default_factory=dict)
    products_by_sku: dict[str, Product] = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)
    locations_by_code: dict[str, Location] = field(default_factory=dict)
    users_by_name: dict[str, User] = field(default_factory=dict)
    channels_by_code: dict[str, Channel] = field(default_factory=dict)
    stock: dict[int, Stock] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    orders_by_ref: dict[tuple[int, str], Order] = field(default_factory=dict)
    lines: dict[int, Line] = field(default_factory=dict)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    addresses: dict[int, Address] = field(default_factory=dict)
    waves: dict[int, Wave] = field(default_factory=dict)
    tasks: dict[int, PickTask] = field(default_factory=dict)

    new: list = field(default_factory=list)
    dirty: dict[int, object] = field(default_factory=dict)  # id(row) -> row
    deleted: list = field(default_factory=list)
    _next_temp: int = -1

    # -- change tracking -------------------------------------------------------------------
    def temp_id(self) -> int:
        value = self._next_temp
        self._next_temp -= 1
        return value

    def add(self, row):
        """Record a new row (its id must come from `temp_id`)."""
        self.new.append(row)
        registry = self._registry(row)
        if registry is not None:
            registry[row.id] = row
        return row

    def touch(self, row) -> None:
        """Record that an existing row changed."""
        if row.id > 0:
            self.dirty[id(row)] = row

    def delete(self, row) -> None:
        registry = self._registry(row)
        if registry is not None:
            registry.pop(row.id, None)
        if row.id > 0:
            self.dirty.pop(id(row), None)
            self.deleted.append(row)
        else:
            self.new.remove(row)

    def _registry(self, row) -> dict | None:
        return {
            Stock: self.stock, Order: self.orders, Line: self.lines, Reservation: self.reservations,
            Customer: self.customers, Address: self.addresses, Wave: self.waves, PickTask: self.tasks,
        }.get(type(row))

    # -- lookups the rules share -----------------------------------------------------------
    def lines_of(self, order_id: int) -> list[Line]:
        return sorted((l for l in self.lines.values() if l.sales_order == order_id), key=lambda l: l.line_no)

    def reservations_of(self, line_id: int) -> list[Reservation]:
        return [r for r in self.reservations.values() if r.order_line == line_id]

    def stock_of(self, product_id: int) -> list[Stock]:
        return [s for s in self.stock.values() if s.product == product_id]
