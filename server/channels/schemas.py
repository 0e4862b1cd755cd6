"""Wire types for sales channels."""

from __future__ import annotations

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


class ChannelIn(Struct, forbid_unknown_fields=True, kw_only=True):
    code: ChannelCode
    name: ChannelName
    kind: ChannelKind
    webhook_secret: Secret | None = None


class ChannelUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """The fields to change; the code stays (orders name their channel by it)."""

    name: ChannelName | None = None
    kind: ChannelKind | None = None
    active: bool | None = None
    rotate_secret: bool = False  # a new server-made secret, shown once in the answer
    webhook_secret: Secret | None = None  # or this one (e.g. the one the shop's admin gave)


class ChannelOut(Struct, omit_defaults=True):
    code: str
    name: str
    kind: str
    active: bool
    secret_hint: str | None  # "…a1b2": enough to tell secrets apart, never enough to sign with
    # The secret in full: only in the answer that created or rotated it, never again.
    webhook_secret: str | None = None
