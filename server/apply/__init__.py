"""The imperative shell around the sync engine: load a batch's state, apply, write back, commit."""

from .runner import run_one, run_ops

__all__ = ["run_one", "run_ops"]
