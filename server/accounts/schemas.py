"""Wire types for logins, users and devices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

Role = Literal["picker", "packer", "driver", "supervisor", "admin"]
Username = Annotated[
    str, Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="lower-case letters, digits, . _ -")
]


class LoginIn(Struct, forbid_unknown_fields=True):
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=256)]


class UserOut(Struct):
    id: int
    username: str
    role: str
    display_name: str
    active: bool = True


class LoginOut(Struct):
    access_token: str
    token_type: str
    expires_at: dt.datetime
    user: UserOut


class UserIn(Struct, forbid_unknown_fields=True):
    username: Username
    role: Role
    password: Annotated[str, Meta(min_length=8, max_length=256, description="at least 8 characters")]
    display_name: Annotated[str, Meta(max_length=128)] = ""


class PasswordIn(Struct, forbid_unknown_fields=True):
    password: Annotated[str, Meta(min_length=8, max_length=256, description="at least 8 characters, not easy to guess")]


class RoleIn(Struct, forbid_unknown_fields=True):
    role: Role


class GrantsIn(Struct, forbid_unknown_fields=True):
    ops: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]],
        Meta(
            max_length=20,
            description='device op types this user may send beyond the role, e.g. ["receive", "count"]; [] removes all',
        ),
    ]


class GrantsOut(Struct):
    username: str
    role: str
    grants: list[str]
    may_send: list[str]  # every op type the user may send: by role and by grant


class DeviceIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(max_length=128)] = ""


class DeviceOut(Struct):
    device_id: str
    name: str
    owner: str
    registered_at: dt.datetime
    revoked_at: dt.datetime | None
    last_seq: int
