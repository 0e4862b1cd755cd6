"""The sync epoch's table (server/ops/epoch.py says what an epoch is)."""

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table


class SyncEpoch(Table, tablename="sync_epoch"):
    """One row per history of the database; the newest is the one devices sync against."""

    epoch = Varchar(length=32, unique=True)
    started_at = Timestamptz()
    note = Text(default="")
