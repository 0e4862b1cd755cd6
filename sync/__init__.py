"""The sync engine: op types, the rules that apply them, and the in-memory state they work on.

A functional core: plain data in, plain data out; no HTTP and no database calls in here.
"""

from .engine import Outcome, apply_batch
from .errors import IllegalTransition, Invalid, NotFound, Rejected
from .model import State
from .ops import OP_TYPES, Op, decode_op

__all__ = [
    "OP_TYPES", "IllegalTransition", "Invalid", "NotFound", "Op", "Outcome", "Rejected", "State",
    "apply_batch", "decode_op",
]
