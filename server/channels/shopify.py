"""Shopify order webhooks (`orders/create`, `orders/updated`, `orders/cancelled`) read into our orders.

The payload is Shopify's Order resource as the webhook documentation shows it
(https://shopify.dev/docs/api/webhooks?reference=toml, topic orders/create: "Sample Payload"); only
the fields we map are read, the rest is ignored. Headers: `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256
of the raw body with the channel's secret), `X-Shopify-Topic`, `X-Shopify-Webhook-Id` (the same on
every retry of one delivery: our replay key).

Mapping (docs/channels.md says the same for integrators):
- external_ref = `name` ("#1001"): what the merchant, the customer and the packing slip call the
  order; Shopify keeps an order's name when the shop's prefix setting changes later.
- lines: `line_items[]` by `sku`, quantity `current_quantity` (after order edits) when present, else
  `quantity`; lines with `requires_shipping: false` (gift cards, services) are not ours to ship and are
  left out, as are lines edited down to 0; the same SKU on two lines is summed. A shippable line
  without a SKU refuses the order (the field is named).
- ship-to: `shipping_address` (address1/2, city, zip, province_code, country_code, latitude/longitude);
  the customer is the addressee (`shipping_address.name`), else `customer` first and last name; e-mail
  `email` / `contact_email` / `customer.email`; phone from the address, the order or the customer.
- payment: `financial_status` paid / partially_refunded / refunded → paid; anything else (pending,
  authorized, partially_paid, voided …) → pending, which holds the order until it is paid.
- cancellation: topic `orders/cancelled`, or `cancelled_at` set on any order topic → cancel_order.
"""

from __future__ import annotations

from msgspec import Struct, field

from .hooks import ChannelOrder, Intent, Refusal, decode, merge_lines

TOPICS = ("orders/create", "orders/updated", "orders/cancelled")
PAID = frozenset({"paid", "partially_refunded", "refunded"})

FIELD_NAMES = {
    "ship_to.line1": "shipping_address.address1",
    "ship_to.line2": "shipping_address.address2",
    "ship_to.city": "shipping_address.city",
    "ship_to.postcode": "shipping_address.zip",
    "ship_to.region": "shipping_address.province_code",
    "ship_to.country": "shipping_address.country_code",
    "ship_to.lat": "shipping_address.latitude",
    "ship_to.lon": "shipping_address.longitude",
    "customer.name": "shipping_address.name",
    "customer.email": "email",
    "customer.phone": "shipping_address.phone",
    ".sku": ".sku",
    ".qty": ".quantity",
    "external_ref": "name",
}


class ShopifyAddress(Struct):
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    zip: str | None = None
    province_code: str | None = None
    country_code: str | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class ShopifyCustomer(Struct):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


class ShopifyLineItem(Struct):
    quantity: int
    sku: str | None = None
    current_quantity: int | None = None
    requires_shipping: bool = True
    name: str | None = None


class ShopifyOrder(Struct):
    id: int
    name: str
    line_items: list[ShopifyLineItem]
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    financial_status: str | None = None
    cancelled_at: str | None = None
    cancel_reason: str | None = None
    customer: ShopifyCustomer | None = None
    shipping_address: ShopifyAddress | None = None
    billing_address: ShopifyAddress | None = field(default=None)


def _text(*values: str | None) -> str:
    """The first non-blank value, stripped ('' when none)."""
    return next((v.strip() for v in values if v and v.strip()), "")


def read(topic: str, body: bytes) -> Intent:
    """What a Shopify delivery asks of us. Raises `Refusal` for a body that is not an order or cannot be one of ours."""
    if topic not in TOPICS:
        return Intent("ignore", reason=f"Shopify topic {topic or '(none)'} is not one we act on; recorded and ignored")
    order = decode(body, ShopifyOrder, "shopify")
    ref = order.name.strip() or str(order.id)
    if topic == "orders/cancelled" or order.cancelled_at:
        reason = f"cancelled in Shopify ({order.cancel_reason})" if order.cancel_reason else "cancelled in Shopify"
        return Intent("cancel", ref, reason=reason)

    lines: list[tuple[str, int, str]] = []
    for i, item in enumerate(order.line_items):
        qty = item.current_quantity if item.current_quantity is not None else item.quantity
        if not item.requires_shipping or qty <= 0:
            continue
        sku = (item.sku or "").strip()
        if not sku:
            what = f" ({item.name})" if item.name else ""
            raise Refusal("missing_sku", f"line_items[{i}]{what} has no SKU: we pick by SKU", f"line_items[{i}].sku")
        lines.append((sku, qty, f"line_items[{i}]"))
    if not lines:
        return Intent("ignore", ref, reason=f"order {ref} has nothing for us to ship; recorded and ignored")
    address = order.shipping_address
    if address is None:
        raise Refusal("missing_address", f"order {ref} has no shipping_address: nothing to ship to", "shipping_address")
    customer = order.customer or ShopifyCustomer()
    merged, sources = merge_lines(lines)
    return Intent(
        "upsert",
        ref,
        ChannelOrder(
            external_ref=ref,
            customer={
                "name": _text(address.name, " ".join(filter(None, (address.first_name, address.last_name))))
                or _text(" ".join(filter(None, (customer.first_name, customer.last_name))), order.email, order.contact_email),
                "email": _text(order.email, order.contact_email, customer.email),
                "phone": _text(address.phone, order.phone, customer.phone),
            },
            ship_to={
                "line1": _text(address.address1),
                "line2": _text(address.address2),
                "city": _text(address.city),
                "postcode": _text(address.zip),
                "region": _text(address.province_code),
                "country": _text(address.country_code).upper(),
                "lat": address.latitude,
                "lon": address.longitude,
            },
            lines=merged,
            payment_status="paid" if order.financial_status in PAID else "pending",
            line_fields=sources,
            field_names=FIELD_NAMES,
        ),
        create=topic == "orders/create",
    )
