"""The op registry: each op type is registered once, next to its rule, with everything derived from it.

A registration names the args struct (which carries the op's type tag and version), the apply
function, what the loader must read for it (`reads`), which roles may send it, and whether a device
may push it. The engine's dispatch, the loader's needs, `/api/sync/limits`, the role check and the
op catalogue in the docs all come from here; `sync.engine` refuses to import when an op in the
`Op` union has no registration, so a missing one fails at start-up, never on a phone at 3 a.m.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .reads import Reads

if TYPE_CHECKING:
    from .context import ApplyContext
    from .model import State
    from .ops import Op

# Every role a user can have; the server's guards and the registry speak the same names.
ROLES: tuple[str, ...] = ("picker", "packer", "driver", "supervisor", "admin")
STAFF: frozenset[str] = frozenset({"supervisor", "admin"})

ApplyFn = Callable[["State", Any, "ApplyContext"], dict[str, Any]]
ReadsFn = Callable[[Any, Reads], None]
F = TypeVar("F", bound=ApplyFn)


@dataclass(frozen=True, slots=True)
class OpSpec:
    """Everything the system knows about one op type."""

    type: str
    version: int
    args: builtins.type[Op]  # `builtins.`: the field above shadows `type` in this class body
    apply: ApplyFn
    reads: ReadsFn
    roles: frozenset[str]
    device: bool  # may be pushed by a device through /api/sync/push (else REST/server origin only)
    summary: str
    # Any user may send it for a floor task assigned to them (the op names it as `task_id`; the rule
    # checks the assignee), even when their role may not send it otherwise: a picker counting the bin
    # a supervisor asked them to count.
    assigned: bool = False

    def allows(self, role: str) -> bool:
        return role in self.roles


_BY_CLASS: dict[type, OpSpec] = {}
_BY_TYPE: dict[str, OpSpec] = {}


def registers(args: type[Op], *, reads: ReadsFn, roles: Iterable[str], device: bool, assigned: bool = False) -> Callable[[F], F]:
    """Decorate an op's apply function to register it: `@registers(Pick, reads=..., roles=..., device=True)`.
    `assigned`: also open to whoever a floor task named by the op's `task_id` is assigned to."""
    allowed = frozenset(roles)
    unknown = allowed - set(ROLES)
    if unknown:
        raise ValueError(f"{args.__name__}: unknown roles {sorted(unknown)}")

    def decorate(apply: F) -> F:
        tag = cast(str, args.__struct_config__.tag)  # msgspec types a tag as str | int | None; ops use strings
        if tag in _BY_TYPE:
            raise ValueError(f"op type {tag!r} is registered twice")
        doc = (args.__doc__ or "").strip().splitlines()
        spec = OpSpec(tag, args.VERSION, args, apply, reads, allowed, device, doc[0] if doc else "", assigned)
        _BY_CLASS[args] = spec
        _BY_TYPE[tag] = spec
        return apply

    return decorate


def spec_for(op: object) -> OpSpec | None:
    """The registration of an op instance, or None if its type was never registered."""
    return _BY_CLASS.get(type(op))


def spec_named(op_type: str) -> OpSpec | None:
    return _BY_TYPE.get(op_type)


def all_specs() -> list[OpSpec]:
    """Every registered op, in registration order."""
    return list(_BY_TYPE.values())


def device_specs() -> dict[str, OpSpec]:
    """The ops a device may push, by type."""
    return {name: spec for name, spec in _BY_TYPE.items() if spec.device}


def allowed_ops(role: str, grants: Iterable[str] = ()) -> frozenset[str]:
    """The op types a user may send: those whose registration names the role, plus the device ops an
    admin granted to this user (floor staff who receive or count)."""
    granted = set(grants)
    return frozenset(name for name, spec in _BY_TYPE.items() if role in spec.roles or (spec.device and name in granted))


def grantable() -> frozenset[str]:
    """Device ops an admin may grant to a user whose role does not include them."""
    return frozenset(name for name, spec in _BY_TYPE.items() if spec.device)


def check_complete(union_members: Iterable[type]) -> None:
    """Fail loudly at import time when an op in the union has no registration (or vice versa)."""
    members = set(union_members)
    missing = sorted(cls.__name__ for cls in members if cls not in _BY_CLASS)
    stray = sorted(cls.__name__ for cls in _BY_CLASS if cls not in members)
    if missing or stray:
        raise RuntimeError(
            "op registry out of step with sync.ops.Op: "
            + (f"not registered: {', '.join(missing)}. " if missing else "")
            + (f"registered but not in the Op union: {', '.join(stray)}." if stray else "")
        )
