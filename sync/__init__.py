"""The sync engine: op types, the rules that apply them, and the in-memory state they work on.

A functional core: plain data in, plain data out; no HTTP and no database calls in here.
"""

from .engine import DEVICE_OP_TYPES, Outcome, apply_batch, reads_for
from .errors import IllegalTransition, Invalid, NotFound, Rejected
from .model import State
from .ops import OP_TYPES, Op, decode_op
from .registry import ROLES, OpSpec, all_specs, spec_named

__all__ = [
    "DEVICE_OP_TYPES",
    "OP_TYPES",
    "ROLES",
    "OpSpec",
    "all_specs",
    "reads_for",
    "spec_named",
    "IllegalTransition",
    "Invalid",
    "NotFound",
    "Op",
    "Outcome",
    "Rejected",
    "State",
    "apply_batch",
    "decode_op",
]
