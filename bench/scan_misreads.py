"""The misread set, larger: every format × every degradation at all four levels, several scenes per
cell (tests/browser/misread_set.py), read in headless Chromium by the app's own decoder worker,
frame reader and confirmer — and as the app read before issue #15 (the whole frame at 640 px, every
read acted on at once) — from a real `python -m server.cli serve` on loopback.

Prints, for camera-like frames (each with its own noise and shake) and for a still image played
frame after frame: read rate per format and per degradation, now and before; every misread acted on
(now: must be none); decode time per frame; decoded frames until a linear code was acted on.

    .venv/bin/python bench/scan_misreads.py [--per-cell 5] [--frames 6] [--seed 1515]

"Before" here keeps today's ITF-14 rule (an ITF read counts only with 14 digits and its check
digit), so it undercounts the misreads of the app as it was.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.camera import CHROMIUM, STANDARD_FLAGS  # noqa: E402
from tests.browser.misread_run import run  # noqa: E402
from tests.browser.misread_set import samples  # noqa: E402
from tests.support import LiveServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-cell", type=int, default=5, help="scenes per (format, degradation, level)")
    parser.add_argument("--frames", type=int, default=6, help="decoded frames per scene")
    parser.add_argument("--seed", type=int, default=1515)
    args = parser.parse_args()

    t0 = time.monotonic()
    sample_list = list(samples(args.seed, per_cell=args.per_cell))
    print(
        f"{len(sample_list)} scenes drawn in {time.monotonic() - t0:.0f} s (seed {args.seed}); load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="scan-misreads-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}"}
        subprocess.run([sys.executable, "-m", "server.cli", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        server = LiveServer(env=env, log_path=work / "server.log", startup_timeout=60)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=STANDARD_FLAGS)
                for still in (False, True):
                    context = browser.new_context(viewport={"width": 360, "height": 640})
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    t0 = time.monotonic()
                    outcome = run(page, server.url, sample_list, frames=args.frames, still=still)
                    context.close()
                    kind = "still image, every frame the same" if still else "camera frames, each with its own noise and shake"
                    print(f"\n## {kind}: {args.frames} decoded frames per scene ({time.monotonic() - t0:.0f} s)\n")
                    print(outcome.table())
                    print(f"\n{outcome.timing()}")
                    print(f"misreads acted on now: {outcome.misreads or 'none'}")
                    print(
                        "misreads acted on before:" + "".join(f"\n  {m}" for m in outcome.misreads_before)
                        if outcome.misreads_before
                        else "misreads acted on before: none"
                    )
                browser.close()
        finally:
            server.stop()
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
