"""The in-memory slice of warehouse state an op batch works on, and its change tracking.

Rows are plain mutable dataclasses. The shell loads the rows a batch needs, the rules change them,
and the shell writes back exactly what `State` recorded as new, changed or deleted. New rows get
negative temporary ids; the shell swaps them for real ids when it writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, NamedTuple, Protocol, TypeVar


@dataclass(slots=True)
class Product:
    id: int
    sku: str
    name: str
    active: bool = True
    supplier: int | None = None  # who it is bought from (a drop-ship line's purchase order goes to them)
    drop_ship: bool = False  # its order lines are drop-shipped unless a line says otherwise


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
    lat: float | None = None  # where the channel geocoded it, for route planning
    lon: float | None = None


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
    promised_at: dt.datetime | None = None  # when the customer was told it arrives; None: no promise made


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
    totes: str = ""  # the tote codes its units were picked into, comma-separated: the pack bench finds it by them
    drop_ship: bool = False  # its supplier ships it to the customer: a drop-ship purchase order, never a pick


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
    version: int = 0


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


@dataclass(slots=True)
class Package:
    id: int
    code: str
    sales_order: int
    status: str  # open (in the building) | shipped | delivered | failed | returned
    carrier: str
    created_at: dt.datetime
    version: int = 0
    sealed_at: dt.datetime | None = None  # closed by the packer: nothing more goes in
    package_type: str = ""
    weight_g: int = 0
    tracking_number: str = ""  # the carrier's; for the own fleet, its own reference
    stop: int | None = None  # the own-fleet route stop it is planned on

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None


@dataclass(slots=True)
class PackageType:
    """A box or mailer the packers may use (configured by an admin)."""

    id: int
    code: str
    max_weight_g: int
    active: bool = True


@dataclass(slots=True)
class Route:
    """An own-fleet van's round for a day: stops in driving order, one driver."""

    id: int
    warehouse: int
    code: str
    day: dt.date
    driver: int | None
    status: str  # planned | out | done
    area: str
    created_at: dt.datetime
    version: int = 0


@dataclass(slots=True)
class RouteStop:
    """One address on a route, with the packages for it."""

    id: int
    route: int
    seq: int
    address: int
    status: str  # pending | delivered | failed | partial
    version: int = 0


@dataclass(slots=True)
class PackageItem:
    id: int
    package: int
    order_line: int
    qty: int


@dataclass(slots=True)
class Delivery:
    id: int
    package: int
    outcome: str  # delivered | failed
    recipient: str
    reason: str
    signature: str
    photo: str
    lat: float | None
    lon: float | None
    device_at: dt.datetime | None
    evidence: bool
    ledger_id: int | None
    accuracy_m: float | None = None
    note: str = ""


@dataclass(slots=True)
class FloorTask:
    """Follow-up work an outcome created: put units away, count a bin, unpack a package."""

    id: int
    kind: str  # put_away | cycle_count | unpack | return_to_stock
    status: str
    location: int | None
    product: int | None
    lot: str
    qty: int
    tote: str
    sales_order: int | None
    package: int | None
    note: str
    ledger_id: int | None
    created_at: dt.datetime
    assignee: int | None = None  # the user whose phone gets it (pulled as a floor task); None: the supervisors' queue
    version: int = 0
    purchase_order: int | None = None  # a receipt waiting for approval: the PO it counts on once approved


@dataclass(slots=True)
class SyncException:
    """Something a supervisor must see: every adjusted or rejected op, short picks, discrepancies."""

    id: int
    kind: str
    code: str
    message: str
    status: str
    device_id: str | None
    seq: int | None
    ledger_id: int | None
    sales_order: int | None
    order_line: int | None
    location: int | None
    product: int | None
    qty: int
    people: str
    created_at: dt.datetime
    version: int = 0
    resolution: str = ""  # the supervisor's comment, or what the closing action did
    resolved_by: int | None = None
    resolved_at: dt.datetime | None = None


@dataclass(slots=True)
class Supplier:
    id: int
    code: str
    name: str
    email: str
    lead_time_days: int = 7  # from sending a purchase order to its delivery, when the supplier names no date


@dataclass(slots=True)
class PurchaseOrder:
    """An order to a supplier: stock for the warehouse to receive, or a drop-ship that the supplier
    sends straight to one customer order. Scanned and printed as `PO-<id>` (see `po_code`)."""

    id: int
    supplier: int
    warehouse: int
    kind: str  # stock | drop_ship
    status: str  # draft | approved | sent | receiving | received | closed | cancelled
    created_at: dt.datetime
    expected_at: dt.date | None = None  # when the supplier delivers (stock) or ships (drop-ship)
    sales_order: int | None = None  # the customer order a drop-ship is for
    tracking_number: str = ""  # the supplier's, for a drop-ship: entering it closes the PO
    sent_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    note: str = ""
    version: int = 0


@dataclass(slots=True)
class PoLine:
    id: int
    purchase_order: int
    line_no: int
    product: int
    qty_ordered: int
    qty_received: int = 0
    order_line: int | None = None  # the customer line a drop-ship line is shipped for


def po_code(po_id: int) -> str:
    """A purchase order as printed, said and scanned: `PO-00042`."""
    return f"PO-{po_id:05d}"


@dataclass(slots=True)
class Rma:
    """A return merchandise authorisation: units of a shipped order the customer sends back, why, and
    how much may be refunded for them. Scanned by its `code` (printed on the RMA slip)."""

    id: int
    code: str  # RMA-<6 letters and digits>, drawn by the route that creates it (kept in the op's args)
    sales_order: int
    reason: str  # damaged | wrong_item | not_as_described | no_longer_needed | late | other
    note: str
    status: str  # requested | receiving | inspected | refunded | closed
    created_at: dt.datetime
    value_cents: int  # the most that may be refunded on it, in `currency` (orders carry no prices here)
    currency: str
    closed_at: dt.datetime | None = None
    version: int = 0


@dataclass(slots=True)
class RmaLine:
    id: int
    rma: int
    order_line: int
    qty_expected: int
    qty_received: int = 0
    qty_restocked: int = 0
    qty_scrapped: int = 0


@dataclass(slots=True)
class Refund:
    """Money given back on an RMA, as the supervisor recorded it (the payment itself happens elsewhere)."""

    id: int
    rma: int
    amount_cents: int
    currency: str
    method: str  # original_payment | store_credit | bank_transfer | cash
    reference: str
    created_at: dt.datetime
    ledger_id: int | None


@dataclass(slots=True)
class StockMovement:
    """Units in a bin changed: by how many, what the book holds after, which op did it, who and when.
    The engine writes one per stock row an op changed (the bin's audit trail)."""

    id: int
    ledger_id: int | None
    location: int
    product: int
    lot: str
    delta: int
    on_hand_after: int
    op_type: str
    actor: int | None
    at: dt.datetime


@dataclass(slots=True)
class ScopeExit:
    """A row left a device's scope (e.g. a task reassigned away from a picker): a pull tombstone."""

    id: int
    scope: str
    entity: str
    entity_id: int
    version: int


def age(row_id: int) -> tuple[bool, int]:
    """Sort key for "oldest first" by id: rows already in the database (positive ids, in insert order)
    before rows this batch created (temporary ids -1, -2, … in creation order)."""
    return (row_id < 0, abs(row_id))


# -- the one description of the tables these rows live in ------------------------------------------
# A row type's fields are its table's columns, by name and in order. `refs` names the fields that
# point at other rows (to the table they reference; None: not a foreign key, but it may hold a
# temporary id the writer swaps for a real one). `mutable` are the columns that can change once a
# row exists: updates write only these. The loader's SELECT lists, the writer's INSERT/UPDATE
# statements, the Piccolo table classes of these tables (server/schema.py), the tests' table lists
# and the schema test all derive from here.


class Table(NamedTuple):
    name: str
    refs: dict[str, str | None]
    mutable: tuple[str, ...] = ()


TABLES: dict[type, Table] = {
    Customer: Table("customer", {}),
    Address: Table("address", {"customer": "customer"}),
    Stock: Table("stock", {"location": "location", "product": "product"}, ("on_hand", "reserved", "expiry")),
    Order: Table(
        "sales_order",
        {"channel": "channel", "customer": "customer", "ship_to": "address", "warehouse": "warehouse"},
        ("status", "payment_status", "updated_at", "ship_to"),
    ),
    Line: Table(
        "order_line",
        {"sales_order": "sales_order", "product": "product"},
        ("qty_allocated", "qty_picked", "status", "totes", "qty"),
    ),
    Reservation: Table("reservation", {"order_line": "order_line", "stock": "stock"}, ("qty",)),
    LedgerRow: Table("ledger", {"actor": "app_user"}),
    OrderEvent: Table("order_event", {"sales_order": "sales_order", "ledger_id": None}),
    Wave: Table("wave", {"warehouse": "warehouse", "picker": "app_user"}, ("status",)),
    PickTask: Table(
        "pick_task",
        {
            "wave": "wave",
            "picker": "app_user",
            "sales_order": "sales_order",
            "order_line": "order_line",
            "location": "location",
            "product": "product",
        },
        ("picker", "qty_picked", "status", "version"),
    ),
    Route: Table("route", {"warehouse": "warehouse", "driver": "app_user"}, ("driver", "status", "version")),
    RouteStop: Table("route_stop", {"route": "route", "address": "address"}, ("route", "seq", "status", "version")),
    Package: Table(
        "package",
        {"sales_order": "sales_order", "stop": "route_stop"},
        ("status", "carrier", "version", "sealed_at", "package_type", "weight_g", "tracking_number", "stop"),
    ),
    PackageItem: Table("package_item", {"package": "package", "order_line": "order_line"}, ("qty",)),
    Delivery: Table("delivery", {"package": "package", "ledger_id": None}),
    FloorTask: Table(
        "floor_task",
        {
            "location": "location",
            "product": "product",
            "sales_order": "sales_order",
            "package": "package",
            "ledger_id": None,
            "assignee": "app_user",
            "purchase_order": "purchase_order",
        },
        ("status", "assignee", "version"),
    ),
    SyncException: Table(
        "sync_exception",
        {
            "ledger_id": None,
            "sales_order": "sales_order",
            "order_line": "order_line",
            "location": "location",
            "product": "product",
            "resolved_by": "app_user",
        },
        ("status", "version", "resolution", "resolved_by", "resolved_at"),
    ),
    ScopeExit: Table("scope_exit", {"entity_id": None}),
    PurchaseOrder: Table(
        "purchase_order",
        {"supplier": "supplier", "warehouse": "warehouse", "sales_order": "sales_order"},
        ("status", "expected_at", "tracking_number", "sent_at", "closed_at", "note", "version"),
    ),
    PoLine: Table(
        "po_line",
        {"purchase_order": "purchase_order", "product": "product", "order_line": "order_line"},
        ("qty_ordered", "qty_received"),
    ),
    Rma: Table("rma", {"sales_order": "sales_order"}, ("note", "status", "closed_at", "version")),
    RmaLine: Table("rma_line", {"rma": "rma", "order_line": "order_line"}, ("qty_received", "qty_restocked", "qty_scrapped")),
    Refund: Table("refund", {"rma": "rma", "ledger_id": None}),
    StockMovement: Table(
        "stock_movement", {"ledger_id": None, "location": "location", "product": "product", "actor": "app_user"}
    ),
}
# Rows the engine reads but never writes: a projection of a wider table the admin routes own.
PROJECTIONS: dict[type, Table] = {
    Product: Table("product", {}),
    Location: Table("location", {"warehouse": "warehouse"}),
    User: Table("app_user", {}),
    Channel: Table("channel", {}),
    PackageType: Table("package_type", {}),
    Supplier: Table("supplier", {}),
}


def _write_order() -> tuple[type, ...]:
    """Insert order that satisfies foreign keys: a table after every table it references."""
    by_name = {d.name: t for t, d in TABLES.items()}
    done: list[type] = []
    pending = list(TABLES)
    while pending:
        for row_type in pending:
            targets = {by_name[r] for r in TABLES[row_type].refs.values() if r in by_name and by_name[r] is not row_type}
            if targets <= set(done):
                done.append(row_type)
                pending.remove(row_type)
                break
        else:
            raise RuntimeError(f"foreign keys form a cycle among {[t.__name__ for t in pending]}")
    return tuple(done)


WRITE_ORDER: tuple[type, ...] = _write_order()


def columns(row_type: type) -> tuple[str, ...]:
    """The table's columns, in order: the row type's fields."""
    return _COLUMNS[row_type]


def table_of(row_type: type) -> str:
    return (TABLES.get(row_type) or PROJECTIONS[row_type]).name


def select_list(row_type: type, alias: str = "") -> str:
    """`id, sku, …` (or `p.id, p.sku, …`) for a SELECT of this row type."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in columns(row_type))


class Record(Protocol):
    """A database row readable by column name: sqlite3.Row, asyncpg.Record, a mapping."""

    def __getitem__(self, key: str, /) -> Any: ...


R = TypeVar("R")


def from_record(row_type: type[R], record: Any) -> R:
    """A row built by column name from a database record (sqlite3.Row, asyncpg.Record or a mapping)."""
    bools = _BOOLS[row_type]
    values = {name: record[name] for name in _COLUMNS[row_type]}
    for name in bools:  # SQLite hands booleans back as 0/1
        values[name] = bool(values[name])
    return row_type(**values)


def from_records(row_type: type[R], records: Sequence[Any]) -> list[R]:
    """Rows built from a query's records. The columns are matched by name once per query (the first
    record's keys against the row type's fields); when they match, as they do for SELECT lists made
    by `select_list`, the rows are built in one fast pass, else each one by name."""
    if not records:
        return []
    if tuple(records[0].keys()) != _COLUMNS[row_type]:
        return [from_record(row_type, record) for record in records]
    rows = [row_type(*record) for record in records]
    for name in _BOOLS[row_type]:  # SQLite may hand booleans back as 0/1
        for row in rows:
            value = getattr(row, name)
            if value.__class__ is not bool:
                setattr(row, name, bool(value))
    return rows


# Which State attribute holds the rows of each mutable type, by id.
_REGISTRY: dict[type, str] = {
    Stock: "stock",
    Order: "orders",
    Line: "lines",
    Reservation: "reservations",
    Customer: "customers",
    Address: "addresses",
    Wave: "waves",
    PickTask: "tasks",
    Package: "packages",
    Route: "routes",
    RouteStop: "stops",
    PackageItem: "package_items",
    Delivery: "deliveries",
    FloorTask: "floor_tasks",
    SyncException: "exceptions",
    PurchaseOrder: "purchase_orders",
    PoLine: "po_lines",
    Rma: "rmas",
    RmaLine: "rma_lines",
    Refund: "refunds",
}


class Row(Protocol):
    """Any row State tracks: every one has an id (negative while temporary)."""

    id: int


RowT = TypeVar("RowT", bound=Row)
# A secondary index's key: (index name, the id rows are grouped by).
_IndexKey = tuple[str, int]


# What `_bucket` answers for a value no row is grouped under (callers copy or sort it, never change it).
_NONE: list[Any] = []
_LINE_NO = attrgetter("line_no")


def _take(rows: list[Any], row: Any) -> bool:
    """Take `row` itself out of `rows`, found by identity from the end (rows are deleted soon after they
    are added; `list.remove` would compare every row before it field by field); False when it is not there."""
    for i in range(len(rows) - 1, -1, -1):
        if rows[i] is row:
            del rows[i]
            return True
    return False


@dataclass(slots=True)
class State:
    """Rows loaded for one batch, indexed the way the rules look them up, plus what changed."""

    warehouse_id: int
    products: dict[int, Product] = field(default_factory=dict)
    products_by_sku: dict[str, Product] = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)
    locations_by_code: dict[str, Location] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
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
    packages: dict[int, Package] = field(default_factory=dict)
    packages_by_code: dict[str, Package] = field(default_factory=dict)
    package_types_by_code: dict[str, PackageType] = field(default_factory=dict)
    routes: dict[int, Route] = field(default_factory=dict)
    stops: dict[int, RouteStop] = field(default_factory=dict)
    package_items: dict[int, PackageItem] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    floor_tasks: dict[int, FloorTask] = field(default_factory=dict)
    exceptions: dict[int, SyncException] = field(default_factory=dict)
    suppliers: dict[int, Supplier] = field(default_factory=dict)
    suppliers_by_code: dict[str, Supplier] = field(default_factory=dict)
    purchase_orders: dict[int, PurchaseOrder] = field(default_factory=dict)
    po_lines: dict[int, PoLine] = field(default_factory=dict)
    rmas: dict[int, Rma] = field(default_factory=dict)
    rmas_by_code: dict[str, Rma] = field(default_factory=dict)
    rma_lines: dict[int, RmaLine] = field(default_factory=dict)
    refunds: dict[int, Refund] = field(default_factory=dict)

    new: list[Row] = field(default_factory=list)
    dirty: dict[int, Row] = field(default_factory=dict)  # id(row) -> row
    # Stock rows the current op added or touched (the engine turns their changes into StockMovements
    # after each op and empties this list).
    stock_touched: list[Stock] = field(default_factory=list)
    deleted: list[Row] = field(default_factory=list)
    # id(row) -> the database record it was built from, for every loaded row: the writer compares a
    # changed row with its record and writes only the columns that differ. `kept` holds the loaded
    # rows (one list per query), so no other object can take the id of one the loader discarded.
    loaded: dict[int, Any] = field(default_factory=dict)
    kept: list[list[Any]] = field(default_factory=list)
    _next_temp: int = -1
    # Secondary indexes, built on first use from the registries above and kept up to date by
    # add/delete. The fields they group by never change once a row exists.
    _index: dict[str, dict[int, list[Row]]] | None = None

    # -- change tracking -------------------------------------------------------------------
    def temp_id(self) -> int:
        value = self._next_temp
        self._next_temp -= 1
        return value

    def add(self, row: RowT) -> RowT:
        """Record a new row (its id must come from `temp_id`)."""
        self.new.append(row)
        row_type = type(row)
        if row_type is Stock:
            self.stock_touched.append(row)  # type: ignore[arg-type]  # a type variable narrows only by isinstance
        name = _REGISTRY.get(row_type)
        if name is not None:
            getattr(self, name)[row.id] = row
            if isinstance(row, Package):  # not `type(row) is`: a type variable narrows only by isinstance (no subclasses here)
                self.packages_by_code[row.code] = row
            if isinstance(row, Rma):
                self.rmas_by_code[row.code] = row
            index = self._index
            if index:
                for index_name, key in _INDEXES_OF.get(row_type, ()):
                    groups = index.get(index_name)
                    if groups is not None:
                        groups.setdefault(key(row), []).append(row)
        return row

    def touch(self, row: Row) -> None:
        """Record that a row changed."""
        if type(row) is Stock:
            self.stock_touched.append(row)
        if row.id > 0:
            self.dirty[id(row)] = row

    def delete(self, row: Row) -> None:
        row_type = type(row)
        name = _REGISTRY.get(row_type)
        if name is not None:
            getattr(self, name).pop(row.id, None)
            index = self._index
            if index:
                for index_name, key in _INDEXES_OF.get(row_type, ()):
                    groups = index.get(index_name)
                    if groups is not None:
                        bucket = groups.get(key(row))
                        if bucket is not None and not _take(bucket, row) and row in bucket:
                            bucket.remove(row)
        if row.id > 0:
            self.dirty.pop(id(row), None)
            self.deleted.append(row)
        elif not _take(self.new, row):
            self.new.remove(row)

    def _registry(self, row: Row) -> dict[int, Any] | None:
        name = _REGISTRY.get(type(row))
        return None if name is None else getattr(self, name)

    # -- secondary indexes ------------------------------------------------------------------
    def _bucket(self, name: str, value: int) -> list[Any]:
        """The rows grouped under `value` by the index `name`, which is built on first use from its registry
        and from then on kept up to date by add/delete. The fields an index groups by never change once a
        row exists."""
        index = self._index
        if index is None:
            index = self._index = {}
        groups = index.get(name)
        if groups is None:
            registry, key = _INDEXES[name]
            groups = {}
            for row in getattr(self, registry).values():
                groups.setdefault(key(row), []).append(row)
            index[name] = groups
        return groups.get(value, _NONE)

    # -- lookups the rules share -----------------------------------------------------------
    def lines_of(self, order_id: int) -> list[Line]:
        return sorted(self._bucket("line_order", order_id), key=_LINE_NO)

    def lines_of_product(self, product_id: int) -> list[Line]:
        return list(self._bucket("line_product", product_id))

    def reservations_of(self, line_id: int) -> list[Reservation]:
        return list(self._bucket("res_line", line_id))

    def reservations_on(self, stock_id: int) -> list[Reservation]:
        return list(self._bucket("res_stock", stock_id))

    def stock_of(self, product_id: int) -> list[Stock]:
        return list(self._bucket("stock_product", product_id))

    def tasks_of_line(self, line_id: int) -> list[PickTask]:
        return list(self._bucket("task_line", line_id))

    def tasks_of_order(self, order_id: int) -> list[PickTask]:
        return list(self._bucket("task_order", order_id))

    def items_of_line(self, line_id: int) -> list[PackageItem]:
        return list(self._bucket("item_line", line_id))

    def items_of_package(self, package_id: int) -> list[PackageItem]:
        return list(self._bucket("item_package", package_id))

    def packages_of(self, order_id: int) -> list[Package]:
        return list(self._bucket("package_order", order_id))

    def deliveries_of(self, package_id: int) -> list[Delivery]:
        return list(self._bucket("delivery_package", package_id))

    def lines_of_po(self, po_id: int) -> list[PoLine]:
        return sorted(self._bucket("po_line_po", po_id), key=_LINE_NO)

    def po_lines_of_product(self, product_id: int) -> list[PoLine]:
        """Loaded purchase-order lines of a product, oldest first."""
        return sorted(self._bucket("po_line_product", product_id), key=lambda l: age(l.id))

    def rmas_of(self, order_id: int) -> list[Rma]:
        """The order's loaded RMAs, oldest first."""
        return sorted(self._bucket("rma_order", order_id), key=lambda r: age(r.id))

    def lines_of_rma(self, rma_id: int) -> list[RmaLine]:
        return sorted(self._bucket("rma_line_rma", rma_id), key=lambda l: age(l.id))

    def refunds_of(self, rma_id: int) -> list[Refund]:
        return sorted(self._bucket("refund_rma", rma_id), key=lambda r: age(r.id))

    def stops_of(self, route_id: int) -> list[RouteStop]:
        """A route's stops in driving order. (Stops move between routes: not a fixed-key index.)"""
        return sorted((s for s in self.stops.values() if s.route == route_id), key=lambda s: (s.seq, age(s.id)))

    def packages_at(self, stop_id: int) -> list[Package]:
        return sorted((p for p in self.packages.values() if p.stop == stop_id), key=lambda p: age(p.id))


# The secondary indexes: name -> (the State registry they index, the field they group by).
_INDEXES: dict[str, tuple[str, Any]] = {
    "line_order": ("lines", attrgetter("sales_order")),
    "line_product": ("lines", attrgetter("product")),
    "res_line": ("reservations", attrgetter("order_line")),
    "res_stock": ("reservations", attrgetter("stock")),
    "stock_product": ("stock", attrgetter("product")),
    "task_line": ("tasks", attrgetter("order_line")),
    "task_order": ("tasks", attrgetter("sales_order")),
    "item_line": ("package_items", attrgetter("order_line")),
    "item_package": ("package_items", attrgetter("package")),
    "package_order": ("packages", attrgetter("sales_order")),
    "delivery_package": ("deliveries", attrgetter("package")),
    "po_line_po": ("po_lines", attrgetter("purchase_order")),
    "po_line_product": ("po_lines", attrgetter("product")),
    "rma_order": ("rmas", attrgetter("sales_order")),
    "rma_line_rma": ("rma_lines", attrgetter("rma")),
    "refund_rma": ("refunds", attrgetter("rma")),
}
_TYPE_OF_REGISTRY = {name: row_type for row_type, name in _REGISTRY.items()}
_INDEXES_OF: dict[type, tuple[tuple[str, Any], ...]] = {}
for _name, (_registry_name, _key) in _INDEXES.items():
    _row_type = _TYPE_OF_REGISTRY[_registry_name]
    _INDEXES_OF[_row_type] = (*_INDEXES_OF.get(_row_type, ()), (_name, _key))

_COLUMNS: dict[type, tuple[str, ...]] = {t: tuple(f.name for f in fields(t)) for t in (*TABLES, *PROJECTIONS)}
_BOOLS: dict[type, tuple[str, ...]] = {
    t: tuple(f.name for f in fields(t) if f.type in ("bool", bool)) for t in (*TABLES, *PROJECTIONS)
}
