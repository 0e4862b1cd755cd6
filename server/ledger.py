"""The ledger: one row per applied operation, device-origin or server-origin, in commit order."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import AppUser


class LedgerEntry(Table, tablename="ledger"):
    device_id = Varchar(length=64, null=True, default=None)  # null = server-origin op
    seq = Integer(null=True, default=None)  # unique with device_id (migration)
    actor = ForeignKey(AppUser, null=True)
    op_type = Varchar(length=32)
    op_version = Integer(default=1)
    args = Text()  # the op's args as JSON
    device_at = Timestamptz(null=True, default=None)
    committed_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=16)  # applied | adjusted | rejected
    code = Varchar(length=48, null=True, default=None)
    message = Text(null=True, default=None)
    result = Text(default="{}")  # the op's result payload as JSON
