"""Prometheus metrics: what a scrape of /metrics reports, and how several worker processes add up.

`shipshape serve --workers N` runs N processes; a scrape reaches one of them. So every process writes
its samples to files in one folder (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR,
set up by `server.ops.metrics_dir.prepare` before the workers start) and the process that answers a scrape
reads them all: counters and histograms are summed over every process that has lived since the server
started (a worker that dies keeps its counts, so totals never go backwards); per-process gauges (memory,
pool) carry a `pid` label and disappear when the process exits cleanly. Without the variable (tests,
an app embedded elsewhere) the metrics live in this process only.

Other modules record through the objects below, e.g. `metrics.ENGINE_RETRIES.labels("serialization").inc()`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

from server.ops.metrics_dir import ENV

# The text exposition format 0.0.4 (what every Prometheus server reads; Litestar adds the charset).
CONTENT_TYPE = "text/plain; version=0.0.4"

# Seconds: a request or a transaction between 1 ms and 10 s, finer where pushes usually land.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "shipshape_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "shipshape_http_request_duration_seconds",
    "Time from the request's arrival to its response's last byte, by method, route template and status",
    ["method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
SYNC_OPS = Counter(
    "shipshape_sync_ops",
    "Ops a push answered, by outcome (applied, adjusted, rejected, replayed) and op type",
    ["status", "type"],
)
PUSH_BATCH = Histogram(
    "shipshape_sync_push_batch_ops",
    "Ops per accepted push (replays included)",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
PUSH_DURATION = Histogram(
    "shipshape_sync_push_duration_seconds",
    "Time a push spent in the engine (its transaction and the data-error retry, if any)",
    buckets=_LATENCY_BUCKETS,
)
PULLS = Counter("shipshape_sync_pulls", "Pulls answered, by kind (delta or reset snapshot)", ["kind"])
RESTORE_GAPS = Counter(
    "shipshape_sync_restore_gaps",
    "Devices whose first push after a restore skipped seqs the restored database never saw",
)
# Recorded by server/apply/runner.py: one engine transaction, its restarts (PostgreSQL: relock,
# unique-key race, serialization failure, deadlock) and its waits for row-owner locks (PostgreSQL).
ENGINE_TRANSACTION = Histogram(
    "shipshape_engine_transaction_duration_seconds",
    "Time of one engine transaction (lock, load, apply, write, commit)",
    buckets=_LATENCY_BUCKETS,
)
ENGINE_RETRIES = Counter("shipshape_engine_retries", "Engine transactions retried, by reason", ["reason"])
ENGINE_LOCK_WAIT = Histogram(
    "shipshape_engine_lock_wait_seconds", "Time an engine transaction waited for its locks", buckets=_LATENCY_BUCKETS
)
PROCESS_RSS = Gauge(
    "shipshape_process_resident_memory_bytes", "Resident memory of each server process", multiprocess_mode="liveall"
)
DB_POOL_SIZE = Gauge(
    "shipshape_db_pool_connections", "PostgreSQL connections each process holds, by state", ["state"], multiprocess_mode="liveall"
)
PROCESS_START = Gauge(
    "shipshape_process_start_time_seconds", "When each server process started (Unix time)", multiprocess_mode="liveall"
)


def multiprocess() -> bool:
    return bool(os.environ.get(ENV))


def process_exited(pid: int | None = None) -> None:
    """Drop this process's live gauges from the shared folder (called when a worker stops)."""
    if multiprocess():
        _multiprocess.mark_process_dead(pid or os.getpid())


def render() -> bytes:
    """Every metric of every process, in the text exposition format."""
    if multiprocess():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY)


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: the peak from getrusage is what there is
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def sample_process(pool_sizes: Iterable[tuple[str, int]] = ()) -> None:
    """Refresh this process's gauges (a worker does it every few seconds, and before a scrape)."""
    PROCESS_RSS.set(_rss_bytes())
    for state, size in pool_sizes:
        DB_POOL_SIZE.labels(state).set(size)


async def sample_forever(pool_sizes: Callable[[], list[tuple[str, int]]], every_s: float = 5.0) -> None:
    """A worker's background task: keep its memory and pool gauges fresh for whichever process answers a scrape."""
    while True:
        sample_process(pool_sizes())
        await asyncio.sleep(every_s)


PROCESS_START.set(time.time())
