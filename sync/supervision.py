"""Supervisor actions on the exception queue."""

from __future__ import annotations

from typing import Any

from .context import ApplyContext
from .errors import NotFound
from .model import State
from .ops import ResolveException
from .reads import Reads
from .registry import STAFF, registers


def _reads_resolve_exception(op: ResolveException, reads: Reads) -> None:
    reads.exception_ids.add(op.exception_id)


@registers(ResolveException, reads=_reads_resolve_exception, roles=STAFF, device=False)
def apply_resolve_exception(state: State, op: ResolveException, ctx: ApplyContext) -> dict[str, Any]:
    exception = state.exceptions.get(op.exception_id)
    if exception is None:
        raise NotFound("unknown_exception", f"no exception {op.exception_id}", field="exception_id")
    if exception.status != "resolved":
        exception.status = "resolved"
        state.touch(exception)
    return {"exception_id": exception.id}
