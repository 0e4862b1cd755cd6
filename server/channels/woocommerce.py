"""WooCommerce order webhooks (`order.created`, `order.updated`) read into our orders.

The payload is the REST API's order resource (`/wc/v3/orders/<id>`: WooCommerce builds a webhook's
body with that endpoint; https://woocommerce.github.io/woocommerce-rest-api-docs/#retrieve-an-order).
Headers (WC_Webhook::deliver in woocommerce/includes/class-wc-webhook.php): `X-WC-Webhook-Signature`
(base64 HMAC-SHA256 of the raw body with the webhook's secret), `X-WC-Webhook-Topic`,
`X-WC-Webhook-Delivery-ID`. When a webhook is created WooCommerce pings the URL with the unsigned
form body `webhook_id=<n>` and saves the webhook only on a 200: the ping is answered 200 and stores nothing.

The delivery id is `wp_hash(webhook id . current second)` (WC_Webhook::get_new_delivery_id), so two
different deliveries in the same second share it. Our replay key is therefore the delivery id plus
the body's digest: a true replay (same id, same bytes) is recognised, two orders sent in one
second are not mistaken for one.

Mapping: external_ref = `number` (the order number the shop shows; it is `id` unless a plugin
renumbers), else `id`. Lines by `line_items[].sku` and `quantity` (a line without a SKU refuses the
order, field named). Ship-to from `shipping` (address_1/2, city, postcode, state, country), falling
back to `billing` when the order has no shipping address (WooCommerce leaves it empty when the
customer ships to the billing address without a separate one). Customer: shipping name, else billing
name; e-mail and phone from `billing` (phone: `shipping.phone` first). Status: cancelled, refunded,
trash → cancel; processing, completed → paid; pending, on-hold, failed, checkout-draft → payment
pending; any other (a plugin's) status → paid when `date_paid` is set, else pending.
"""

from __future__ import annotations

import hashlib
import re

from msgspec import Struct, field

from .hooks import ChannelOrder, Intent, Refusal, decode, merge_lines

TOPICS = ("order.created", "order.updated")
CANCELLED = frozenset({"cancelled", "refunded", "trash"})
PAID = frozenset({"processing", "completed"})
PENDING = frozenset({"pending", "on-hold", "failed", "checkout-draft"})
PING = re.compile(rb"^webhook_id=\d+$")

FIELD_NAMES = {
    "ship_to.line1": "shipping.address_1",
    "ship_to.line2": "shipping.address_2",
    "ship_to.city": "shipping.city",
    "ship_to.postcode": "shipping.postcode",
    "ship_to.region": "shipping.state",
    "ship_to.country": "shipping.country",
    "customer.name": "shipping.first_name",
    "customer.email": "billing.email",
    "customer.phone": "billing.phone",
    ".sku": ".sku",
    ".qty": ".quantity",
    "external_ref": "number",
}


class WooAddress(Struct):
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    email: str | None = None
    phone: str | None = None


class WooLineItem(Struct):
    quantity: int
    sku: str | None = None
    name: str | None = None


class WooOrder(Struct):
    id: int
    status: str
    line_items: list[WooLineItem]
    number: str | None = None
    date_paid: str | None = None
    billing: WooAddress = field(default_factory=WooAddress)
    shipping: WooAddress = field(default_factory=WooAddress)


def is_ping(body: bytes) -> bool:
    return PING.match(body.strip()) is not None


def replay_key(delivery_id: str, body: bytes) -> str:
    """The delivery id with the body's digest (see the module's docstring for why)."""
    return f"{delivery_id[:120]}:{hashlib.sha256(body).hexdigest()[:32]}"


def _name(address: WooAddress) -> str:
    return " ".join(part.strip() for part in (address.first_name, address.last_name) if part.strip())


def read(topic: str, body: bytes) -> Intent:
    """What a WooCommerce delivery asks of us. Raises `Refusal` for a body that is not an order or cannot be one of ours."""
    if topic not in TOPICS:
        return Intent("ignore", reason=f"WooCommerce topic {topic or '(none)'} is not one we act on; recorded and ignored")
    order = decode(body, WooOrder, "woocommerce")
    ref = (order.number or "").strip() or str(order.id)
    status = order.status.removeprefix("wc-")
    if status in CANCELLED:
        return Intent("cancel", ref, reason=f"{status} in WooCommerce")

    lines: list[tuple[str, int, str]] = []
    for i, item in enumerate(order.line_items):
        if item.quantity <= 0:
            continue
        sku = (item.sku or "").strip()
        if not sku:
            what = f" ({item.name})" if item.name else ""
            raise Refusal("missing_sku", f"line_items[{i}]{what} has no SKU: we pick by SKU", f"line_items[{i}].sku")
        lines.append((sku, item.quantity, f"line_items[{i}]"))
    if not lines:
        return Intent("ignore", ref, reason=f"order {ref} has nothing for us to ship; recorded and ignored")
    ship = order.shipping if order.shipping.address_1.strip() else order.billing
    if status in PAID:
        payment = "paid"
    elif status in PENDING:
        payment = "pending"
    else:
        payment = "paid" if order.date_paid else "pending"
    merged, sources = merge_lines(lines)
    return Intent(
        "upsert",
        ref,
        ChannelOrder(
            external_ref=ref,
            customer={
                "name": _name(ship) or _name(order.billing) or (order.billing.email or "").strip(),
                "email": (order.billing.email or "").strip(),
                "phone": (order.shipping.phone or order.billing.phone or "").strip(),
            },
            ship_to={
                "line1": ship.address_1.strip(),
                "line2": ship.address_2.strip(),
                "city": ship.city.strip(),
                "postcode": ship.postcode.strip(),
                "region": ship.state.strip(),
                "country": ship.country.strip().upper(),
            },
            lines=merged,
            payment_status=payment,
            line_fields=sources,
            field_names=FIELD_NAMES
            if ship is order.shipping
            else {k: v.replace("shipping.", "billing.") for k, v in FIELD_NAMES.items()},
        ),
        create=topic == "order.created",
    )
