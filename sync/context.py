"""What an op is applied with besides the state: the commit time, who, and its ledger row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True)
class ApplyContext:
    now: dt.datetime
    actor: int | None
    ledger_id: int | None = None
