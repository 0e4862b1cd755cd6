"""The folder every worker process writes its metrics to (prometheus_client's multiprocess mode).

Kept apart from server/ops/metrics.py on purpose: prometheus_client decides at import whether it runs in
multiprocess mode, so `shipshape serve` must set PROMETHEUS_MULTIPROC_DIR (here) before anything in its
process imports prometheus_client — with one worker, that process serves the app itself."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare() -> Path:
    """Point PROMETHEUS_MULTIPROC_DIR at an empty folder before any worker imports prometheus_client.

    An operator's own folder (the variable already set) is emptied of the last run's files; otherwise a
    fresh temporary folder is made. Either way the caller removes the files when the server stops."""
    configured = os.environ.get(ENV)
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    else:
        folder = Path(tempfile.mkdtemp(prefix="shipshape-metrics-"))
        os.environ[ENV] = str(folder)
    return folder


def remove(folder: Path, made_here: bool) -> None:
    if made_here:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        for stale in folder.glob("*.db"):
            stale.unlink(missing_ok=True)
