"""Run a misread set (tests/browser/misread_set.py) through the app's decoder in Chromium and count.

Each sample's scene is served to the page at a same-origin path the page fetches (Playwright
routes it; nothing is written to disk), and tests/browser/misreads.js reads a burst of frames of it
with the app's worker, frame reader and confirmer — and, for comparison, the way the app read
before this change (640 px frames, every read acted on).

A sample is *read* when the right value was acted on; a *misread* when any other value was acted on
(whatever else happened). Counted for the app as it is (`now`), and as before (`before`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser.misread_set import Sample

HARNESS = Path(__file__).with_name("misreads.js")
PREFIX = "/__misreads/"


@dataclass
class Tally:
    samples: int = 0
    read: int = 0
    misread: int = 0
    read_before: int = 0
    misread_before: int = 0


@dataclass
class Outcome:
    by_format: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_degradation: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    total: Tally = field(default_factory=Tally)
    misreads: list[str] = field(default_factory=list)  # what the app acted on wrongly now
    misreads_before: list[str] = field(default_factory=list)
    decode_ms: list[float] = field(default_factory=list)  # per frame, both views as needed
    frames_to_accept: list[int] = field(default_factory=list)  # linear codes: decoded frames to the first accepted read
    views: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def table(self) -> str:
        def rate(n: int, d: int) -> str:
            return f"{100 * n / d:5.1f}%" if d else "   - "

        lines = ["| | samples | read now | read before | misreads now | misreads before |", "|---|---:|---:|---:|---:|---:|"]
        for title, group in (("format", self.by_format), ("degradation", self.by_degradation)):
            for name, t in sorted(group.items()):
                lines.append(
                    f"| {title} {name} | {t.samples} | {rate(t.read, t.samples)} | {rate(t.read_before, t.samples)} | {t.misread} | {t.misread_before} |"
                )
        t = self.total
        lines.append(
            f"| **all** | {t.samples} | {rate(t.read, t.samples)} | {rate(t.read_before, t.samples)} | {t.misread} | {t.misread_before} |"
        )
        return "\n".join(lines)

    def timing(self) -> str:
        ms = sorted(self.decode_ms)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))] if ms else float("nan")
        frames = self.frames_to_accept
        return (
            f"decode per frame (region first, then the whole frame): median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms over {len(ms)} frames; "
            f"linear codes acted on after a median of {statistics.median(frames) if frames else float('nan'):.0f} decoded frames (min {min(frames, default=0)}, max {max(frames, default=0)}); "
            f"reads by view: {dict(self.views)}"
        )


def open_harness(page, base_url: str, samples: dict[str, Sample]) -> None:
    """Route the scenes and the harness into `page`, open the scan page, wait for the decoder."""
    harness = HARNESS.read_text()

    def serve(route):
        name = route.request.url.split(PREFIX, 1)[1]
        if name == "harness.js":
            route.fulfill(body=harness, content_type="text/javascript")
        else:
            route.fulfill(body=samples[name.removesuffix(".png")].png, content_type="image/png")

    page.route(f"{base_url}{PREFIX}**", serve)
    page.goto(f"{base_url}/static/scan/bench.html")
    page.add_script_tag(url=f"{base_url}{PREFIX}harness.js", type="module")
    page.wait_for_function("() => window.misreads !== undefined", timeout=15_000)
    page.evaluate("window.misreads.ready.then(() => true)")


def run(page, base_url: str, sample_list: Iterable[Sample], *, frames: int, still: bool, before: bool = True) -> Outcome:
    samples = {s.id: s for s in sample_list}
    open_harness(page, base_url, samples)
    outcome = Outcome()
    for n, sample in enumerate(samples.values()):
        result = page.evaluate(
            "([url, options]) => window.misreads.burst(url, options)",
            [f"{base_url}{PREFIX}{sample.id}.png", {"frames": frames, "still": still, "seed": n + 1, "before": before}],
        )
        count(outcome, sample, result)
    return outcome


def count(outcome: Outcome, sample: Sample, result: dict) -> None:
    wrong = [a["raw"] for a in result["accepted"] if a["raw"] != sample.truth]
    right = any(a["raw"] == sample.truth for a in result["accepted"])
    wrong_before = [p["raw"] for p in result["previous"] if p["raw"] != sample.truth]
    right_before = any(p["raw"] == sample.truth for p in result["previous"])
    for tally in (outcome.by_format[sample.format], outcome.by_degradation[sample.degradation], outcome.total):
        tally.samples += 1
        tally.read += right
        tally.misread += bool(wrong)
        tally.read_before += right_before
        tally.misread_before += bool(wrong_before)
    if wrong:
        outcome.misreads.append(f"{sample.id}: true {sample.truth!r}, acted on {wrong}")
    if wrong_before:
        outcome.misreads_before.append(f"{sample.id}: true {sample.truth!r}, acted on {wrong_before}")
    outcome.decode_ms.extend(result["ms"])
    for found in result["found"]:
        outcome.views[found["view"]] += 1
    if right and sample.format in {"ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf"}:
        first = min(a["frame"] for a in result["accepted"] if a["raw"] == sample.truth)
        outcome.frames_to_accept.append(first)
