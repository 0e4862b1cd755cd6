"""Tables of the channel feeds: CSV import jobs, and stock levels sent back to the channels."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.accounts.tables import AppUser
from server.catalog.tables import Product
from server.channels.tables import Channel


class ChannelImport(Table, tablename="channel_import"):
    """One uploaded CSV file of orders and how far its import got (server/channels/imports.py)."""

    channel = ForeignKey(Channel)
    status = Varchar(length=16, default="queued")  # queued | running | done | failed
    file_name = Varchar(length=200, default="")
    size_bytes = Integer(default=0)
    rows_total = Integer(null=True, default=None)  # data rows in the file, once counted
    rows_done = Integer(default=0)  # data rows handled (imported, duplicate or reported)
    orders_created = Integer(default=0)
    orders_duplicate = Integer(default=0)
    orders_rejected = Integer(default=0)
    rows_bad = Integer(default=0)
    report = Text(default="[]")  # JSON [{line, external_ref, field, reason}], the first REPORT_LIMIT
    report_more = Integer(default=0)  # problems beyond those
    error = Text(default="")  # why the whole import failed
    created_by = ForeignKey(AppUser, null=True)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None)  # the process working on it renews this


class StockLevel(Table, tablename="stock_level"):
    """The last available-to-promise of each SKU the stock feed saw, and when it last changed."""

    product = ForeignKey(Product, unique=True)
    available = Integer()
    updated_at = Timestamptz()


class ChannelStockSent(Table, tablename="channel_stock_sent"):
    """What a channel's stock webhook last acknowledged per SKU (unique per channel and product)."""

    channel = ForeignKey(Channel)
    product = ForeignKey(Product)
    available = Integer()
    sent_at = Timestamptz()


class StockDelivery(Table, tablename="stock_delivery"):
    """One signed POST of stock levels to a channel, retried with backoff until 2xx or given up."""

    channel = ForeignKey(Channel)
    delivery_id = Varchar(length=36, unique=True)
    body = Text()
    items = Integer()
    status = Varchar(length=16, default="pending")  # pending | delivered | failed
    attempts = Integer(default=0)
    next_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
