"""The op catalogue as a Markdown table, made from the registry (docs/sync-protocol.md embeds it).

`python -m sync.catalogue` prints it; `python -m sync.catalogue --write docs/sync-protocol.md`
rewrites the part of that page between its catalogue markers. A test fails when the page is stale.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path

import msgspec

from .engine import reads_for  # noqa: F401  (importing the engine registers every op)
from .ops import Op
from .registry import ROLES, OpSpec, all_specs

START, END = "<!-- op-catalogue:start -->", "<!-- op-catalogue:end -->"


def _arg(field: msgspec.structs.FieldInfo) -> str:
    name, hint = field.name, field.type
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    if typing.get_origin(hint) is typing.Literal:
        name += " (" + "/".join(str(v) for v in typing.get_args(hint)) + ")"
    return name + ("" if field.required else "?")


def _args(spec: OpSpec) -> str:
    return ", ".join(_arg(field) for field in msgspec.structs.fields(spec.args))


def _roles(spec: OpSpec) -> str:
    return ", ".join(role for role in ROLES if role in spec.roles)


def markdown() -> str:
    """One row per registered op: device ops first, then server-origin ones, each in `Op` union order."""
    order = {cls: n for n, cls in enumerate(typing.get_args(Op))}
    rows = ["| type | version | sent by | may send | args | what it records |", "|---|---|---|---|---|---|"]
    for spec in sorted(all_specs(), key=lambda s: (not s.device, order[s.args])):
        origin = "device (push)" if spec.device else "server (REST)"
        rows.append(f"| `{spec.type}` | {spec.version} | {origin} | {_roles(spec)} | `{_args(spec)}` | {spec.summary} |")
    return "\n".join(rows) + "\n"


def embed(page: str) -> str:
    """`page` with the text between the catalogue markers replaced by the current table."""
    head, _, rest = page.partition(START)
    _, _, tail = rest.partition(END)
    if not rest or not tail and END not in rest:
        raise ValueError(f"the page has no {START} … {END} section")
    return f"{head}{START}\n{markdown()}{END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        path = Path(sys.argv[2])
        path.write_text(embed(path.read_text()))
    else:
        sys.stdout.write(markdown())
