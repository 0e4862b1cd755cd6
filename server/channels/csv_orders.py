"""Orders from a CSV file (marketplace exports): the column set, and rows grouped into intake ops.

One row per order line; consecutive rows with the same `external_ref` are one order. Everything
here is plain, blocking work on a file already on disk (the import runs it in a thread, a batch at
a time): the file is read row by row, never held whole. docs/channels.md `## CSV import` is the
user's description of the same rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import msgspec

from sync.ops import IntakeOrder

# Every column the import reads, in the documented order; other columns are ignored.
COLUMNS = (
    "external_ref",
    "customer_name",
    "email",
    "phone",
    "line1",
    "line2",
    "city",
    "postcode",
    "region",
    "country",
    "sku",
    "qty",
    "payment_status",
    "promised_at",
)
REQUIRED = ("external_ref", "customer_name", "line1", "city", "postcode", "country", "sku", "qty")
# Columns of the order (not of its line): every row of one order must agree on them.
ORDER_COLUMNS = tuple(c for c in COLUMNS if c not in ("sku", "qty"))
MAX_LINES = 500  # lines per order, as the intake op allows
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SKU = re.compile(r"^\S(.*\S)?$")
# The intake op's field paths, as the column a user would fix.
_OP_FIELDS = {
    "external_ref": "external_ref",
    "customer.name": "customer_name",
    "customer.email": "email",
    "customer.phone": "phone",
    "ship_to.line1": "line1",
    "ship_to.line2": "line2",
    "ship_to.city": "city",
    "ship_to.postcode": "postcode",
    "ship_to.region": "region",
    "ship_to.country": "country",
    "payment_status": "payment_status",
    "promised_at": "promised_at",
}
_LINE_FIELD = re.compile(r"^\$?\.?lines\[(\d+)\](?:\.(\w+))?")


class HeaderError(ValueError):
    """The header row cannot be imported from (missing or repeated columns): nothing is."""


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # the physical line in the file, the header being line 1
    external_ref: str
    field: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "external_ref": self.external_ref, "field": self.field, "reason": self.reason}


@dataclass(slots=True)
class OrderRows:
    """The rows of one order as read: an intake op to submit, or the problems that keep it out."""

    external_ref: str
    lines: list[int] = field(default_factory=list)  # physical line of each row, in order
    rows: int = 0  # data rows this group consumed (bad ones included)
    op: IntakeOrder | None = None
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, index: int) -> int:
        """The physical line of the order's `index`-th line (the first row if out of range)."""
        return self.lines[index] if 0 <= index < len(self.lines) else self.lines[0]

    def problem_at(self, op_field: str | None, reason: str) -> Problem:
        """An engine refusal of this order's op (`field` as the op names it) as a row problem."""
        line, column = self.lines[0], None
        if op_field:
            match = _LINE_FIELD.match(op_field)
            if match:
                line, column = self.line_of(int(match.group(1))), match.group(2) or "sku"
            else:
                column = _OP_FIELDS.get(op_field.removeprefix("$.").removeprefix("$"), op_field)
        return Problem(line, self.external_ref, column, reason)


def normalise_header(name: str) -> str:
    """`" External Ref "` → `external_ref`: case, surrounding spaces, inner spaces and hyphens forgiven."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_header(source: TextIO) -> tuple[Any, dict[str, int]]:
    """A reader positioned after the header, and {column: index} of the known columns.
    Raises HeaderError naming the missing (or repeated) columns."""
    reader = csv.reader(source)
    try:
        header = next(reader)
    except StopIteration:
        raise HeaderError(f"the file is empty: its first line must name the columns ({', '.join(REQUIRED)} at least)") from None
    names = [normalise_header(h) for h in header]
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if repeated:
        raise HeaderError(f"columns named twice in the header: {', '.join(repeated)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise HeaderError(f"the header lacks the required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    return reader, {n: i for i, n in enumerate(names) if n in COLUMNS}


def check_header(path: Path) -> None:
    """Raise HeaderError unless the file's header names every required column."""
    with open_csv(path) as source:
        read_header(source)


def open_csv(path: Path) -> TextIO:
    # utf-8-sig drops the byte-order mark Excel writes; newline="" lets csv handle CRLF and quoted newlines.
    return open(path, encoding="utf-8-sig", newline="")


def count_rows(path: Path) -> int:
    """Data rows in the file (blank lines not counted); a malformed file counts what it can."""
    count = 0
    with open_csv(path) as source:
        reader = csv.reader(source)
        try:
            next(reader, None)
            for row in reader:
                if any(cell.strip() for cell in row):
                    count += 1
        except csv.Error:
            pass
    return count


def _order_at(promised: str) -> dt.datetime:
    """`2026-12-03` (the end of that day, UTC) or an ISO 8601 time (UTC when it names no zone)."""
    if len(promised) == 10:
        day = dt.date.fromisoformat(promised)
        return dt.datetime.combine(day, dt.time(23, 59, 59), dt.UTC)
    moment = dt.datetime.fromisoformat(promised.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _row_problems(values: dict[str, str], line: int) -> list[Problem]:
    """What is wrong with one row on its own (blank required cells, a bad qty, country …)."""
    ref = values["external_ref"]
    problems = []

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(line, ref, column, reason))

    for column in REQUIRED:
        if not values[column]:
            bad(column, f"{column} is empty (required)")
    for column, value in values.items():
        if "\x00" in value:
            bad(column, f"{column} holds a NUL character")
    qty = values["qty"]
    if qty and not (qty.isascii() and qty.isdigit() and 1 <= int(qty) <= 1_000_000):
        bad("qty", f"qty must be a whole number from 1 to 1000000, not {qty[:20]!r}")
    country = values["country"]
    if country and not _COUNTRY.match(country):
        bad("country", f"country must be a two-letter ISO 3166-1 code such as GB, not {country[:20]!r}")
    if values["sku"] and not _SKU.match(values["sku"]):
        bad("sku", "sku may not start or end with spaces")
    if values["payment_status"] not in ("paid", "pending"):
        bad("payment_status", f"payment_status must be paid or pending (empty: paid), not {values['payment_status'][:20]!r}")
    if values["promised_at"]:
        try:
            _order_at(values["promised_at"])
        except ValueError:
            bad("promised_at", f"promised_at must be a date (2026-12-03) or an ISO 8601 time, not {values['promised_at'][:40]!r}")
    return problems


def _values(row: list[str], columns: dict[str, int]) -> dict[str, str]:
    values = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
    for c in COLUMNS:
        values.setdefault(c, "")
    values["country"] = values["country"].upper()
    values["payment_status"] = values["payment_status"].lower() or "paid"
    return values


class _Group:
    """Rows of one order while they are read."""

    def __init__(self, values: dict[str, str], line: int):
        self.first = values
        self.order = OrderRows(values["external_ref"])
        self.skus: dict[str, int] = {}
        self.lines: list[tuple[str, int]] = []
        self.add(values, line)

    def add(self, values: dict[str, str], line: int) -> None:
        order = self.order
        order.rows += 1
        order.lines.append(line)
        problems = _row_problems(values, line)
        first_line = order.lines[0]
        for column in ORDER_COLUMNS:
            if values[column] != self.first[column] and column != "external_ref":
                problems.append(
                    Problem(
                        line,
                        order.external_ref,
                        column,
                        f"{column} differs from line {first_line} of the same order ({values[column][:40]!r} ≠ {self.first[column][:40]!r})",
                    )
                )
        sku = values["sku"]
        if sku in self.skus:
            problems.append(
                Problem(
                    line,
                    order.external_ref,
                    "sku",
                    f"SKU {sku!r} is already on line {self.skus[sku]} of this order; put the total on one row",
                )
            )
        elif sku:
            self.skus[sku] = line
        if len(order.lines) > MAX_LINES:
            problems.append(Problem(line, order.external_ref, None, f"an order may have at most {MAX_LINES} lines"))
        order.problems += problems
        if not problems:
            self.lines.append((sku, int(values["qty"])))

    def args(self, channel: str) -> dict[str, Any] | None:
        """The intake op's arguments, or None when a row had a problem."""
        if self.order.problems:
            return None
        v = self.first
        return {
            "type": "intake_order",
            "channel": channel,  # from the URL, not the file
            "external_ref": v["external_ref"],
            "customer": {"name": v["customer_name"], "email": v["email"], "phone": v["phone"]},
            "ship_to": {
                "line1": v["line1"],
                "line2": v["line2"],
                "city": v["city"],
                "postcode": v["postcode"],
                "region": v["region"],
                "country": v["country"],
            },
            "lines": [{"sku": sku, "qty": qty} for sku, qty in self.lines],
            "payment_status": v["payment_status"],
            "tracking_token": secrets.token_urlsafe(12),
            "promised_at": _order_at(v["promised_at"]) if v["promised_at"] else None,
        }


def _digest(values: dict[str, str]) -> int:
    return hash(tuple(values[c] for c in COLUMNS))


def orders(source: TextIO, channel: str) -> Iterator[OrderRows]:
    """The file's orders in file order, each as an op or its problems. `source` is opened with
    `open_csv`; the header was checked. A row's line is the physical line it starts on (header = 1)."""
    reader, columns = read_header(source)
    # Each external_ref seen, with the first line and a digest of its rows: the same order again
    # further down is a duplicate (the engine answers it); different rows under a ref already taken
    # are refused rather than silently dropped.
    seen: dict[str, tuple[int, int]] = {}
    group: _Group | None = None
    digest = 0
    line = reader.line_num + 1

    def close(group: _Group, digest: int) -> OrderRows:
        order = group.order
        args = group.args(channel)
        if args is not None:
            try:
                order.op = msgspec.convert(args, IntakeOrder)
            except msgspec.ValidationError as error:
                message, _, path = str(error).partition(" - at `")
                order.problems.append(order.problem_at(path.rstrip("`") or None, message))
        ref = order.external_ref
        earlier = seen.get(ref)
        if earlier is None:
            if ref:
                seen[ref] = (order.lines[0], digest)
        elif earlier[1] != digest and not order.problems:
            order.op = None
            order.problems.append(
                Problem(
                    order.lines[0],
                    ref,
                    "external_ref",
                    f"order {ref!r} already came on line {earlier[0]} with other rows; an order's rows must be next to each other",
                )
            )
        return order

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise MalformedFile(f"line {reader.line_num}: {error}") from None
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # a blank line is no row
        values = _values(row, columns)
        if group is not None and values["external_ref"] == group.order.external_ref and values["external_ref"]:
            group.add(values, start)
            digest = hash((digest, _digest(values)))
            continue
        if group is not None:
            yield close(group, digest)
        group = _Group(values, start)
        digest = _digest(values)
    if group is not None:
        yield close(group, digest)


class MalformedFile(ValueError):
    """The CSV itself cannot be read on (e.g. a field beyond the size limit): the import stops there."""
