"""The app shell's weight: gzipped (level 9) size of every JS and CSS file the service worker
precaches, plus the worker itself, against the 100 KB budget (docs/benchmarks.md).

The decoder (everything under /vendor/zxing-wasm/) is left out: it is
precached so scanning works offline, but a page only loads it when the camera opens. The list is the
server's own (server/web/precache.py), so a new module is counted the day it is added.

    .venv/bin/python bench/shell_budget.py [--budget-kb 100]

Exit status 1 when the total is over the budget. 1 KB = 1,000 bytes here (the stricter reading).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.web import precache  # noqa: E402

DECODER = ("/vendor/zxing-wasm/",)


def shell_files() -> list[tuple[str, bytes]]:
    """(url, bytes) of every JS/CSS file of the shell, the worker script included."""
    listing = precache.build()
    pwa = precache.pwa_dir()
    files = [
        (entry.url, precache.file_for(entry.url, pwa).read_bytes())
        for entry in listing.entries
        if entry.url.endswith((".js", ".mjs", ".css")) and not entry.url.startswith(DECODER)
    ]
    files.append(("/sw.js", listing.script))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-kb", type=float, default=100.0)
    args = parser.parse_args()
    budget = args.budget_kb * 1000

    rows = [(url, len(data), len(gzip.compress(data, compresslevel=9, mtime=0))) for url, data in shell_files()]
    rows.sort(key=lambda row: -row[2])
    width = max(len(url) for url, _, _ in rows)
    print(f"{'file':<{width}}  {'raw':>9}  {'gzip -9':>9}")
    for url, raw, packed in rows:
        print(f"{url:<{width}}  {raw:>9,}  {packed:>9,}")
    total_raw = sum(raw for _, raw, _ in rows)
    total = sum(packed for _, _, packed in rows)
    print(f"{'total (' + str(len(rows)) + ' files)':<{width}}  {total_raw:>9,}  {total:>9,}")
    verdict = "within" if total <= budget else "OVER"
    print(f"budget: {total / 1000:.1f} KB of {budget / 1000:.0f} KB gzipped ({100 * total / budget:.0f} %) — {verdict} budget")
    return 0 if total <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
