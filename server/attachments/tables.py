"""Proof-of-delivery files the server holds whole (their bytes are files, see storage.py)."""

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import AppUser


class Attachment(Table, tablename="attachment"):
    id = Varchar(length=36, primary_key=True)  # the UUID the phone generated
    sha256 = Varchar(length=64)  # CHAR(64) in the migration: lowercase hex of the whole file
    kind = Varchar(length=16)  # photo | signature
    content_type = Varchar(length=32)  # sniffed from the bytes: image/jpeg | image/png | image/webp
    size = Integer()
    uploaded_by = ForeignKey(AppUser, on_delete=OnDelete.restrict)
    device_id = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
