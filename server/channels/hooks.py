"""Order webhooks from shops: the signature, the replay guard, and turning a delivery into engine ops.

A shop's delivery arrives at `POST /api/hooks/<platform>/<channel>` (server/channels/hook_routes.py).
In order: the channel must exist, be active and be of that platform (404, nothing stored); the
signature is checked on the raw bytes before anything reads them (401, nothing stored); the
platform module (shopify.py, woocommerce.py) reads the body into an `Intent`; then one engine
transaction records the delivery in `webhook_delivery` and applies the intent's ops, so a delivery
and its effect commit together. A delivery id seen before is answered with its first outcome and
applies nothing; two copies arriving at once are serialised by the engine lock, and the unique
(channel, delivery_id) and the engine's idempotent intake on (channel, external_ref) back that up.

What the shop is told: 2xx for everything it must not send again — an order taken in, updated,
cancelled, a duplicate, an ignored topic, and a *permanent* refusal (an unknown SKU, an update
after picking started): the refusal is recorded with the delivery and becomes an exception for a
supervisor, because Shopify retries non-2xx answers for 48 hours and WooCommerce disables a hook
after repeated failures, and neither retry would change the answer. A body that is not the
platform's order at all is 400 (recorded too, so a retry of it is answered as a replay). A failure
of ours (the database) is 5xx and records nothing, so the shop's retry gets a fresh chance.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import msgspec

from server.apply.runner import EngineTx, engine_transaction
from server.db import DATA_ERRORS, Database
from server.errors import DomainError
from sync.engine import BadOp, Outcome, Submission
from sync.ops import AddressArgs, CancelOrder, CustomerArgs, IntakeOrder, LineArgs, MarkPaid, Op, UpdateOrder

PLATFORM_NAMES = {"shopify": "Shopify", "woocommerce": "WooCommerce"}


# -- the channel and the signature ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HookChannel:
    id: int
    code: str
    kind: str
    secret: str | None


async def hook_channel(db: Database, code: str, platform: str) -> HookChannel:
    """The active channel of this platform named `code`, or 404 (a hook for anything else stores nothing)."""
    row = await db.fetchrow("SELECT id, code, kind, active, webhook_secret FROM channel WHERE code = ?", code)
    name = PLATFORM_NAMES[platform]
    if row is None:
        raise DomainError(
            "unknown_channel", f"no channel {code!r}: add it as a {name} channel first", field="channel", status=404
        )
    if not row["active"]:
        raise DomainError(
            "inactive_channel", f"channel {code!r} is switched off; nothing was stored", field="channel", status=404
        )
    if row["kind"] != platform:
        raise DomainError(
            "wrong_channel_kind",
            f"channel {code!r} is a {row['kind']} channel, not {name}; this address takes {name} webhooks only",
            field="channel",
            status=404,
        )
    return HookChannel(row["id"], row["code"], row["kind"], row["webhook_secret"])


def signature(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, body)): how Shopify and WooCommerce both sign a delivery."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def check_signature(channel: HookChannel, body: bytes, header_name: str, header: str | None) -> None:
    """Refuse (401) unless `header` is the body's signature with the channel's secret, compared in constant time."""
    if not channel.secret:
        raise DomainError(
            "bad_signature", f"channel {channel.code!r} has no webhook secret to check {header_name} with", status=401
        )
    if not header:
        raise DomainError("bad_signature", f"{header_name} is missing: only signed deliveries are taken", status=401)
    if not hmac.compare_digest(signature(channel.secret, body).encode(), header.strip().encode()):
        raise DomainError(
            "bad_signature",
            f"{header_name} does not match the body signed with channel {channel.code!r}'s secret; nothing was stored",
            status=401,
        )


# -- what a delivery asks for ---------------------------------------------------------------------


class Refusal(Exception):
    """The delivery cannot be taken in as it is. `malformed`: not the platform's order at all (400);
    otherwise a permanent mapping problem (an order line without a SKU, no shipping address): 200."""

    def __init__(self, code: str, message: str, field: str | None = None, malformed: bool = False):
        super().__init__(message)
        self.code, self.message, self.field, self.malformed = code, message, field, malformed


@dataclass(slots=True)
class ChannelOrder:
    """A shop's order in our terms: the fields `intake_order` / `update_order` take, and where each line came from."""

    external_ref: str
    customer: dict[str, Any]
    ship_to: dict[str, Any]
    lines: list[dict[str, Any]]
    payment_status: str  # paid | pending
    line_fields: list[str] = field(default_factory=list)  # the payload field of each line (line_items[3])
    # Our field → the payload's ("ship_to.postcode" → "shipping_address.zip"), to name a refused value as the shop does.
    field_names: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Intent:
    """`upsert`: take the order in or bring ours up to date; `cancel`: cancel it; `ignore`: a topic or
    state we do not act on (recorded, 200)."""

    action: str
    external_ref: str = ""
    order: ChannelOrder | None = None
    reason: str = ""
    create: bool = False  # the shop says the order is new (orders/create, order.created)


def merge_lines(lines: list[tuple[str, int, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    """(sku, qty, source field) → one line per SKU with the quantities summed (a shop may list a SKU twice)."""
    merged: dict[str, int] = {}
    fields: dict[str, str] = {}
    for sku, qty, source in lines:
        merged[sku] = merged.get(sku, 0) + qty
        fields.setdefault(sku, source)
    return [{"sku": sku, "qty": qty} for sku, qty in merged.items()], [fields[sku] for sku in merged]


def decode(body: bytes, struct: type, platform: str) -> Any:
    """The body as the platform's payload struct, or a malformed refusal naming what is wrong."""
    try:
        return msgspec.json.decode(body, type=struct)
    except msgspec.ValidationError as error:
        text = str(error)
        rule, _, path = text.partition(" - at `$")
        where = path.rstrip("`").lstrip(".")
        missing = re.search(r"missing required field `([^`]+)`", rule)
        if missing:
            where = f"{where}.{missing.group(1)}" if where else missing.group(1)
        where = where or "body"
        raise Refusal(
            "malformed_payload", f"not a {PLATFORM_NAMES[platform]} order: {where}: {rule}", where, malformed=True
        ) from None
    except msgspec.DecodeError as error:
        raise Refusal("malformed_json", f"the body is not JSON: {error}", "body", malformed=True) from None


# -- applying a delivery --------------------------------------------------------------------------


class HookAnswer(msgspec.Struct):
    """What a shop's delivery did. `replayed`: the delivery id was seen before; this is its first outcome."""

    outcome: str
    message: str
    replayed: bool = False
    order_id: int | None = None
    code: str | None = None
    field: str | None = None
    error: str | None = None  # on a 400, the same as `code` (the error shape every route answers with)


@dataclass(frozen=True, slots=True)
class Delivery:
    channel: HookChannel
    platform: str
    delivery_id: str
    topic: str


_INSERT = (
    "INSERT INTO webhook_delivery (channel, delivery_id, topic, received_at, outcome, order_id, code, message, ledger_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SEEN = "SELECT outcome, order_id, code, message FROM webhook_delivery WHERE channel = ? AND delivery_id = ?"


def _replay(row) -> HookAnswer:
    return HookAnswer(
        row["outcome"], f"delivery seen before: {row['message']}", replayed=True, order_id=row["order_id"], code=row["code"]
    )


async def receive(db: Database, delivery: Delivery, read_intent) -> HookAnswer:
    """Record the delivery and apply what it asks for in one engine transaction; a replay applies nothing.
    `read_intent()` reads the (already authenticated) body: an `Intent`, or it raises `Refusal`."""
    try:
        intent: Intent | Refusal = read_intent()
    except Refusal as refusal:
        intent = refusal

    async def work(engine: EngineTx) -> HookAnswer:
        tx = engine.tx
        # Copies of one delivery on several server processes take turns (the unique key is the backstop).
        await engine.lock_name(f"hook:{delivery.channel.id}:{delivery.delivery_id}")
        seen = await tx.fetchrow(_SEEN, delivery.channel.id, delivery.delivery_id)
        if seen is not None:
            return _replay(seen)
        now = dt.datetime.now(dt.UTC)
        answer, ledger_id = await _apply(engine, delivery, intent, now)
        await tx.execute(
            _INSERT,
            delivery.channel.id,
            delivery.delivery_id,
            delivery.topic[:64],
            now,
            answer.outcome,
            answer.order_id,
            answer.code,
            answer.message,
            ledger_id,
        )
        return answer

    try:
        return await engine_transaction(db, work)
    except DATA_ERRORS:
        # A copy of this delivery committed between our look and our insert (the unique key caught it).
        row = await db.fetchrow(_SEEN, delivery.channel.id, delivery.delivery_id)
        if row is None:
            raise
        return _replay(row)


def _ref_args(delivery: Delivery, ref: str) -> str:
    return json.dumps(
        {"channel": delivery.channel.code, "delivery_id": delivery.delivery_id, "topic": delivery.topic, "external_ref": ref}
    )


async def _apply(
    engine: EngineTx, delivery: Delivery, intent: Intent | Refusal, now: dt.datetime
) -> tuple[HookAnswer, int | None]:
    name = PLATFORM_NAMES[delivery.platform]
    if isinstance(intent, Refusal):
        # Recorded as a rejected op: a ledger row and an exception in the supervisor's queue.
        where = f" ({intent.field})" if intent.field else ""
        message = f"{name} delivery {delivery.delivery_id} ({delivery.topic}) was not taken in{where}: {intent.message}"
        bad = BadOp("intake_order", IntakeOrder.VERSION, _ref_args(delivery, ""), intent.code, message)
        (outcome,) = await engine.apply([Submission(bad)], now=now, actor=None, record_rejected=True)
        kind = "malformed" if intent.malformed else "refused"
        error = intent.code if intent.malformed else None
        return HookAnswer(kind, message, code=intent.code, field=intent.field, error=error), _ledger(outcome)
    if intent.action == "ignore":
        return HookAnswer("ignored", intent.reason), None

    ref = intent.external_ref
    row = await engine.tx.fetchrow(
        "SELECT id, status, payment_status FROM sales_order WHERE channel = ? AND external_ref = ?", delivery.channel.id, ref
    )
    if intent.action == "cancel":
        if row is None:
            return HookAnswer("ignored", f"{name} cancelled order {ref}, which never arrived here; nothing to cancel"), None
        if row["status"] == "cancelled":
            return HookAnswer("unchanged", f"order {ref} was already cancelled", order_id=row["id"]), None
        (outcome,) = await engine.apply(
            [CancelOrder(order_id=row["id"], reason=intent.reason)], now=now, actor=None, record_rejected=True
        )
        if outcome.status == "rejected":
            return _rejected(outcome, row["id"]), _ledger(outcome)
        return HookAnswer("cancelled", f"order {ref} cancelled ({intent.reason})", order_id=row["id"]), _ledger(outcome)

    order = intent.order
    assert order is not None  # an upsert always carries its order
    try:
        _convert(order.customer, CustomerArgs, "customer", order)
        ship_to = _convert(order.ship_to, AddressArgs, "ship_to", order)
        lines = _convert(order.lines, list[LineArgs], "lines", order)
        if row is None:
            op: Op = _convert(
                {"channel": delivery.channel.code, "external_ref": ref, "customer": order.customer, "ship_to": order.ship_to}
                | {"lines": order.lines, "payment_status": order.payment_status, "tracking_token": _token()},
                IntakeOrder,
                "",
                order,
            )
        else:  # a change of buyer (name, e-mail) is not applied: the ship-to and the lines are what the floor works from
            op = UpdateOrder(order_id=row["id"], ship_to=ship_to, lines=lines, source=name)
    except Refusal as refusal:
        return await _apply(engine, delivery, refusal, now)
    ops: list[Op] = [op]
    if row is not None and order.payment_status == "paid" and row["payment_status"] == "pending" and row["status"] == "on_hold":
        ops.append(MarkPaid(order_id=row["id"]))
    outcomes = await engine.apply(ops, now=now, actor=None, record_rejected=True)
    first = outcomes[0]
    if first.status == "rejected":
        if row is None:
            return _refused(first, order), _ledger(first)
        return _rejected(first, row["id"]), _ledger(first)
    order_id = first.result["order_id"]
    if row is None:
        if first.result.get("duplicate"):
            return HookAnswer("duplicate", f"order {ref} is already here; nothing changed", order_id=order_id), None
        return HookAnswer("created", f"order {ref} taken in", order_id=order_id), _ledger(first)
    paid = len(outcomes) > 1 and outcomes[1].status == "applied"
    changed = first.result.get("changed", [])
    if changed:
        text = f"order {ref} updated: {'; '.join(changed)}" + ("; payment recorded" if paid else "")
        return HookAnswer("updated", text, order_id=order_id), _ledger(first)
    if paid:
        return HookAnswer("paid", f"order {ref}: payment recorded", order_id=order_id), _ledger(first)
    if intent.create:
        return HookAnswer("duplicate", f"order {ref} is already here; nothing changed", order_id=order_id), _ledger(first)
    return HookAnswer("unchanged", f"order {ref}: nothing we keep changed", order_id=order_id), _ledger(first)


def _ledger(outcome: Outcome) -> int | None:
    return outcome.ledger.id if outcome.ledger is not None else None


def _rejected(outcome: Outcome, order_id: int) -> HookAnswer:
    return HookAnswer("rejected", outcome.message or "", order_id=order_id, code=outcome.code, field=outcome.field)


def _refused(outcome: Outcome, order: ChannelOrder) -> HookAnswer:
    """An intake the engine refused (an unknown SKU …), its field named as the shop's payload names it."""
    where = _payload_field(outcome.field, order) if outcome.field else None
    return HookAnswer(
        "refused", f"{where}: {outcome.message}" if where else outcome.message or "", code=outcome.code, field=where
    )


def _convert(value: Any, type_: Any, prefix: str, order: ChannelOrder) -> Any:
    """`value` as `type_` under the op's own rules, or a refusal naming the payload's field."""
    try:
        return msgspec.convert(value, type_)
    except msgspec.ValidationError as error:
        rule, _, path = str(error).partition(" - at `$")
        ours = prefix + path.rstrip("`") if prefix else path.rstrip("`").lstrip(".")
        where = _payload_field(ours.lstrip("."), order)
        raise Refusal("invalid_order", f"order {order.external_ref}: {where}: {rule}", where) from None


def _payload_field(ours: str, order: ChannelOrder) -> str:
    """Our field path as the shop's payload names it (lines[1].qty → line_items[2].quantity …)."""
    if ours.startswith("lines[") and "]" in ours:
        index = int(ours[len("lines[") : ours.index("]")])
        if index < len(order.line_fields):
            return order.line_fields[index] + order.field_names.get(ours[ours.index("]") + 1 :], ours[ours.index("]") + 1 :])
    return order.field_names.get(ours, ours)


def _token() -> str:
    return secrets.token_urlsafe(12)
