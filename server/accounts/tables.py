"""Users, their login tokens and their devices."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AppUser(Table, tablename="app_user"):
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=128, default="")
    role = Varchar(length=16)  # picker | packer | driver | supervisor | admin
    password_hash = Varchar(length=256)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    grants = Varchar(length=200, default="")  # op types granted beyond the role, comma-separated


class AuthToken(Table, tablename="auth_token"):
    token_hash = Varchar(length=64, unique=True)  # sha256 hex of the bearer token
    owner = ForeignKey(AppUser)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    device_id = Varchar(length=64, null=True, default=None)  # the device it is used from, once known


class Device(Table, tablename="device"):
    device_id = Varchar(length=64, unique=True)
    owner = ForeignKey(AppUser)
    name = Varchar(length=128, default="")
    last_seq = Integer(default=0)
    registered_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(AppUser, null=True)
    clock_offset_ms = Integer(default=0)  # server time − device time at its last push
    last_push_at = Timestamptz(null=True, default=None)
    # What the device last told us (pushes and pulls): when, and how many ops it still held unsent.
    last_seen_at = Timestamptz(null=True, default=None)
    pending_reported = Integer(default=0)
    pending_at = Timestamptz(null=True, default=None)
    # last_seq when the current sync epoch began (`shipshape new-epoch`); see server/ops/epoch.py.
    epoch_seq = Integer(null=True, default=None)


class LoginAttempt(Table, tablename="login_attempt"):
    """Login attempts per username and per client in the current window, shared by every process."""

    subject = Varchar(length=200, unique=True)  # "user:<username>" or "client:<address>"
    window_started = BigInt()  # Unix seconds
    attempts = Integer(default=0)
