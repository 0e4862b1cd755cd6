"""Sales channels orders arrive from."""

from piccolo.columns import Boolean, Varchar
from piccolo.table import Table


class Channel(Table, tablename="channel"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    kind = Varchar(length=16, default="api")  # manual | api | webhook | shopify | woocommerce | csv
    # The shared secret signed webhooks are checked with (HMAC needs it as is); never sent back in full.
    webhook_secret = Varchar(length=128, null=True, default=None)
    active = Boolean(default=True)
    # The storefront's key to its stock feed (GET /api/channels/{code}/stock): SHA-256 of it, shown once.
    api_token_hash = Varchar(length=64, null=True, default=None)
    # Where changed available-to-promise values are POSTed (server/channels/stock_feed.py); None: not sent.
    stock_webhook_url = Varchar(length=500, null=True, default=None)
