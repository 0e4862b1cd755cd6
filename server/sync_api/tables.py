"""Ops of revoked devices, kept for a supervisor (pull tombstones are an engine table: sync.model.ScopeExit)."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class QuarantinedOp(Table, tablename="quarantined_op"):
    device_id = Varchar(length=64)
    seq = Integer()
    body = Text()
    received_at = Timestamptz()
