"""A KPI period: whole UTC days `from`..`to` (both included), cut into day, week or month buckets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast

from server.db import stored_time
from server.errors import DomainError

Bucket = Literal["day", "week", "month"]
BUCKETS: tuple[str, ...] = Bucket.__args__  # type: ignore[attr-defined]
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    first: dt.date
    last: dt.date
    bucket: Bucket

    @classmethod
    def parse(cls, first: str | None, last: str | None, bucket: str) -> Period:
        """The period the query parameters `from`, `to` and `bucket` name, or a 400 naming the bad one."""
        return cls.checked(_day(first, "from"), _day(last, "to"), _bucket(bucket))

    @classmethod
    def checked(cls, first: dt.date, last: dt.date, bucket: Bucket) -> Period:
        """The period, or a 400 naming the field whose rule it breaks."""
        if last < first:
            raise DomainError("bad_period", f"to ({last}) is before from ({first})", field="to", status=400)
        days = (last - first).days + 1
        if days > MAX_DAYS:
            raise DomainError("bad_period", f"the period spans {days} days; at most {MAX_DAYS}", field="to", status=400)
        return cls(first, last, bucket)

    @property
    def start(self) -> dt.datetime:
        """The first instant in the period (UTC midnight of `from`)."""
        return dt.datetime.combine(self.first, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period (UTC midnight after `to`)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC)

    def bucket_of(self, when: dt.datetime) -> dt.date:
        """The bucket an instant falls in, named by its first day inside the period."""
        day = when.astimezone(dt.UTC).date()
        if self.bucket == "week":
            day -= dt.timedelta(days=day.weekday())
        elif self.bucket == "month":
            day = day.replace(day=1)
        return max(day, self.first)

    def buckets(self) -> list[dt.date]:
        """Every bucket of the period, in order (also those with nothing in them)."""
        seen: list[dt.date] = []
        day = self.first
        while day <= self.last:
            label = self.bucket_of(dt.datetime.combine(day, dt.time(), dt.UTC))
            if not seen or seen[-1] != label:
                seen.append(label)
            day += dt.timedelta(days=1)
        return seen


def _day(text: str | None, name: str) -> dt.date:
    if not text:
        raise DomainError("bad_period", f"{name} is required: a day as YYYY-MM-DD", field=name, status=400)
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DomainError(
            "bad_period", f"{name} must be a day as YYYY-MM-DD, not {text[:40]!r}", field=name, status=400
        ) from None


def _bucket(text: str) -> Bucket:
    if text not in BUCKETS:
        raise DomainError(
            "bad_bucket", f"bucket must be one of {', '.join(BUCKETS)}, not {text[:40]!r}", field="bucket", status=400
        )
    return cast(Bucket, text)


utc = stored_time  # one conversion for every stored timestamp (server/db.py)
