"""Webhook deliveries from shops, one row per (channel, delivery id): the replay guard and the record of
what each delivery did."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.channels.tables import Channel


class WebhookDelivery(Table, tablename="webhook_delivery"):
    channel = ForeignKey(Channel)
    # The shop's delivery id (Shopify's X-Shopify-Webhook-Id; WooCommerce's X-WC-Webhook-Delivery-ID with
    # the body's digest, see server/channels/woocommerce.py). Unique per channel (migration).
    delivery_id = Varchar(length=200)
    topic = Varchar(length=64)
    received_at = Timestamptz()
    # created | duplicate | updated | paid | unchanged | cancelled | rejected | refused | malformed | ignored
    outcome = Varchar(length=16)
    order_id = Integer(null=True, default=None)  # the order it created or touched (orders are never deleted)
    code = Varchar(length=64, null=True, default=None)  # the refusal's code, when there was one
    message = Text(default="")
    ledger_id = Integer(null=True, default=None)  # the engine op it applied (its first), when it applied one
