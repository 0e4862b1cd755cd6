"""Ops of revoked devices, kept for a supervisor (pull tombstones are an engine table: sync.model.ScopeExit)."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.accounts.tables import AppUser


class QuarantinedOp(Table, tablename="quarantined_op"):
    device_id = Varchar(length=64)
    seq = Integer()
    body = Text()
    received_at = Timestamptz()
    status = Varchar(length=16, default="pending")  # pending | applied | discarded
    handled_by = ForeignKey(AppUser, null=True)  # the supervisor who applied or discarded it
    handled_at = Timestamptz(null=True, default=None)
    reason = Text(default="")  # why it was discarded
    ledger_id = Integer(null=True, default=None)  # the ledger row its apply made
    outcome = Text(default="")  # the engine's outcome of the apply, as JSON
