"""Per-process runtime tuning, applied once the app has started.

The garbage collector: a started server holds a few hundred thousand long-lived objects (routes,
OpenAPI schema, templates, the op registry). Left in the collected generations, every full
collection walks all of them - a several-millisecond pause that lands on whichever request is
running, and is what set a single-op push's p99 apart from its median. `gc.freeze()` moves them to
the permanent generation, and a larger first threshold makes collections rarer (a 500-op push
allocates tens of thousands of objects; most die young, freed by reference counting, not the GC).
"""

from __future__ import annotations

import gc

# Allocations (minus deallocations) between young collections; CPython's default is 700.
GEN0_THRESHOLD = 50_000


_tuned = False


def tune_gc() -> None:
    """Freeze what start-up allocated, and collect less often. Once per process: a test session that
    starts many apps in one process must not freeze each one's objects for good."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
