"""What a push did, told to the log and the metrics once its transaction committed.

The push collects its outcomes here inside the engine transaction (which may run more than once: the
data-error retry, a serialization retry) and `emit` runs after the commit, so every rejected op is
logged exactly once, with the device, seq, op type, code and field that a person needs to find it."""

from __future__ import annotations

import collections
import logging
from collections.abc import Sequence
from typing import Any

from server.ops import metrics
from server.ops.logs import event

log = logging.getLogger("shipshape.sync")


class PushReport:
    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self._outcomes: list[tuple[int, str, Any]] = []
        self._replays: list[tuple[int, str, str]] = []

    def record(self, fresh: Sequence[Any], outcomes: Sequence[Any], replays: Sequence[tuple[int, str, str]] = ()) -> None:
        """This attempt's outcomes (replacing an earlier attempt's): `fresh` the envelopes, `outcomes` the
        engine's Outcome for each, `replays` (seq, type, stored status) of ops answered from the ledger."""
        self._outcomes = [(e.seq, e.type, o) for e, o in zip(fresh, outcomes, strict=True)]
        self._replays = list(replays)

    def emit(self) -> None:
        ops = len(self._outcomes) + len(self._replays)
        if ops:
            metrics.PUSH_BATCH.observe(ops)
        counts: collections.Counter[tuple[str, str]] = collections.Counter()
        for _seq, op_type, _status in self._replays:
            counts["replayed", op_type] += 1
        for seq, op_type, outcome in self._outcomes:
            counts[outcome.status, op_type] += 1
            if outcome.status == "rejected":
                event(
                    log,
                    logging.WARNING,
                    "op rejected",
                    device_id=self.device_id,
                    seq=seq,
                    op_type=op_type[:32],
                    code=outcome.code,
                    field=outcome.field,
                    reason=outcome.message,
                )
            elif outcome.status == "adjusted":
                event(
                    log, logging.INFO, "op adjusted", device_id=self.device_id, seq=seq, op_type=op_type[:32], code=outcome.code
                )
        # One counter step per (status, type), not per op: a 500-op push has a handful.
        for (status, op_type), n in counts.items():
            metrics.SYNC_OPS.labels(status, _label(op_type)).inc(n)


def _label(op_type: str) -> str:
    """A metric label from a known op type only: a device can send any string as a type."""
    from sync.engine import DEVICE_OP_TYPES

    return op_type if op_type in DEVICE_OP_TYPES else "unknown"
