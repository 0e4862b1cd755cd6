"""Wire types for sales channels."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

ChannelCode = Annotated[
    str, Meta(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="lower-case letters, digits, . _ -")
]
ChannelName = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"\S", description="not blank")]
ChannelKind = Literal["api", "webhook", "shopify", "woocommerce", "csv"]
Secret = Annotated[
    str,
    Meta(
        min_length=16,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="16–128 printable ASCII characters, no spaces; left out, the server makes one",
    ),
]

WebhookUrl = Annotated[
    str,
    Meta(
        max_length=500,
        pattern=r"^(https?://[^\s/?#]+[^\s]*)?$",
        description="http(s) address the stock feed POSTs changed levels to; empty: none",
    ),
]


class ChannelIn(Struct, forbid_unknown_fields=True, kw_only=True):
    code: ChannelCode
    name: ChannelName
    kind: ChannelKind
    webhook_secret: Secret | None = None
    stock_webhook_url: WebhookUrl = ""


class ChannelUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """The fields to change; the code stays (orders name their channel by it)."""

    name: ChannelName | None = None
    kind: ChannelKind | None = None
    active: bool | None = None
    rotate_secret: bool = False  # a new server-made secret, shown once in the answer
    webhook_secret: Secret | None = None  # or this one (e.g. the one the shop's admin gave)
    rotate_api_token: bool = False  # a new stock-feed token, shown once in the answer (the old one stops working)
    stock_webhook_url: WebhookUrl | None = None  # "" switches the stock webhook off


class ChannelOut(Struct, omit_defaults=True):
    code: str
    name: str
    kind: str
    active: bool
    secret_hint: str | None  # "…a1b2": enough to tell secrets apart, never enough to sign with
    # The secret in full: only in the answer that created or rotated it, never again.
    webhook_secret: str | None = None
    has_api_token: bool = False
    # The stock-feed token in full: only in the answer that created or rotated it (only its hash is kept).
    api_token: str | None = None
    stock_webhook_url: str | None = None
    stock_webhook: StockWebhookState | None = None


class StockWebhookState(Struct):
    """How the channel's stock webhook is doing (server/channels/stock_feed.py)."""

    pending: int  # deliveries waiting to be sent or retried
    failed: int  # deliveries given up on after every attempt
    last_delivered_at: dt.datetime | None
    last_failure: StockDeliveryFailure | None  # the newest delivery given up on, if any


class StockDeliveryFailure(Struct):
    delivery_id: str
    attempts: int
    error: str
    at: dt.datetime | None


class StockLevelOut(Struct):
    """Available-to-promise of one SKU: units on hand minus reserved in the site's pickable bins."""

    sku: str
    available: int
    updated_at: dt.datetime


class ImportProblem(Struct):
    line: int  # the physical line of the file, the header being line 1
    external_ref: str
    field: str | None  # the column to fix, when one is to blame
    reason: str


class ImportOut(Struct, kw_only=True):
    """A CSV import: its progress, counts and the first problems found (`report_more` counts the rest)."""

    id: int
    channel: str
    status: Literal["queued", "running", "done", "failed"]
    file_name: str
    size_bytes: int
    rows_total: int | None  # data rows in the file, once counted
    rows_done: int
    orders_created: int
    orders_duplicate: int  # already taken in (this file earlier, or a previous import): nothing doubled
    orders_rejected: int
    rows_bad: int
    report: list[ImportProblem]
    report_more: int
    error: str  # why the import stopped, when it failed
    created_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
