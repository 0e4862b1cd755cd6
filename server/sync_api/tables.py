"""Sync bookkeeping: ops of revoked devices kept for a supervisor, and pull tombstones."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class QuarantinedOp(Table, tablename="quarantined_op"):
    device_id = Varchar(length=64)
    seq = Integer()
    body = Text()
    received_at = Timestamptz()


class ScopeExit(Table, tablename="scope_exit"):
    scope = Varchar(length=40)  # e.g. picker:7
    entity = Varchar(length=24)
    entity_id = Integer()
    version = Integer()
