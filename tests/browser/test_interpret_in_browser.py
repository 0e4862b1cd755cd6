"""The device understands a scan without the server: pwa/scan/interpret.js, run in Chromium, agrees
with `scanner.interpret` on every shared vector and on hundreds of generated and broken scans."""

from __future__ import annotations

import random

import pytest

from scanner import interpret
from tests.scanner.vectors import BARCODE_BITS, DATA_FIELDS, KINDS, VECTORS

pytestmark = pytest.mark.browser

MODULE = "/static/scan/interpret.js"
# Import the module as the app does, load biip's AI table from the server, interpret every scan.
_INTERPRET_ALL = (
    """
async (scans) => {
  const scanner = await import("%s");
  await scanner.loadGs1Rules();
  return scans.map((scan) => scanner.interpret(scan));
}
"""
    % MODULE
)
# The same in a module Worker (where the camera's decoding runs): before the rules are loaded it
# says so; after, it answers.
_IN_A_WORKER = (
    """
async () => {
  const source = `
    import { interpret, loadGs1Rules } from "${location.origin}%s";
    onmessage = async () => {
      let before;
      try { interpret("4006381333931"); } catch (error) { before = error.message; }
      await loadGs1Rules("${location.origin}/gs1/application-identifiers.json");
      postMessage({ before, after: interpret("]C1010950600013435210ABC\\x1d17271231") });
    };`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })), { type: "module" });
  const answer = new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message || "the worker failed"));
  });
  worker.postMessage("go");
  return answer;
}
"""
    % MODULE
)
_EXTRA_BITS = [
    "]E3",
    "]J1",
    "]Y1",
    "]Q1",
    "]C0",
    "02",
    "15",
    "30",
    "3102",
    "7007",
    "8008",
    "414",
    "8006",
    "/22/",
    "/21/",
    "&10=",
    "?3103=",
    "%C3%A4",
    "%E2%82",
    "+",
    "#",
    "[",
    "]",
    "042526",
    "04252614",
    "96385074",
    "270000",
    "280229",
    "270600",
    "http://[fe80::1%25x]/01/",
    "https://id.gs1.org/00/",
    "٣",
    "'",
    '"',
    "\\",
]
_ALPHABET = "0123456789ABXZaz-()/?&=%+ \x1d\t]ä"


@pytest.fixture(scope="module")
def page(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(live_server.url + "/")
    yield page
    context.close()


def interpret_in_browser(page, scans: list[str]) -> list[dict]:
    return page.evaluate(_INTERPRET_ALL, scans)


def broken_against(expect: dict, got: dict) -> list[str]:
    """What in `got` breaks a vector's expectations, by the rules of tests/scanner/vectors.json."""
    problems = []
    if (got["kind"], got["valid"]) != (expect["kind"], expect["valid"]):
        problems.append(f"kind/valid {got['kind']}/{got['valid']}, expected {expect['kind']}/{expect['valid']}")
    problems += [f"{name} {got[name]!r}, expected {expect.get(name)!r}" for name in DATA_FIELDS if got[name] != expect.get(name)]
    problems += [
        f"{name} {got[name]!r}, expected {expect[name]!r}"
        for name in ("code", "format", "order_id")
        if name in expect and got[name] != expect[name]
    ]
    if got["valid"] and got["error"] is not None:
        problems.append(f"valid but error {got['error']!r}")
    if not got["valid"] and not (got["error"] and expect.get("error", "") in got["error"]):
        problems.append(f"error {got['error']!r} does not contain {expect.get('error', '')!r}")
    return problems


def test_every_shared_vector_means_the_same_on_the_device(page):
    results = interpret_in_browser(page, [v["scan"] for v in VECTORS])
    assert all(set(got) == set(interpret("").as_dict()) for got in results), "the fields differ from Scan.as_dict()"
    failures = {
        f"{i:02d} {vector['note']} ({vector['scan']!r})": problems
        for i, (vector, got) in enumerate(zip(VECTORS, results, strict=False))
        if (problems := broken_against(vector["expect"], got))
    }
    assert not failures, failures


def _generated_scans(seed: int = 4, count: int = 400) -> list[str]:
    """Random joins of barcode fragments (the property test's ingredients and a few more), and short noise."""
    rng = random.Random(seed)
    bits = list(BARCODE_BITS.elements) + _EXTRA_BITS

    def piece() -> str:
        return rng.choice(bits) if rng.random() < 0.8 else "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 4)))

    return ["".join(piece() for _ in range(rng.randint(1, 8))) for _ in range(count)]


def _mutations(scan: str) -> list[str]:
    """A vector truncated, with its last digit changed, with a GS inserted, and behind `]C1`."""
    out = [scan[:-1], "]C1" + scan, scan[: len(scan) // 2] + "\x1d" + scan[len(scan) // 2 :]]
    last_digit = max((i for i, c in enumerate(scan) if c in "0123456789"), default=None)
    if last_digit is not None:
        out.append(scan[:last_digit] + str((int(scan[last_digit]) + 1) % 10) + scan[last_digit + 1 :])
    return out


def test_device_and_server_agree_on_generated_and_broken_scans(page):
    scans = list(dict.fromkeys(_generated_scans() + [m for v in VECTORS for m in _mutations(v["scan"])]))
    results = interpret_in_browser(page, scans)
    disagreements = {}
    for scan, got in zip(scans, results, strict=False):
        want = interpret(scan).as_dict()
        differ = {name: (want[name], got[name]) for name in want if got[name] != want[name]}
        if differ:
            disagreements[repr(scan)] = differ  # {field: (server, device)}
    assert not disagreements, f"{len(disagreements)} of {len(scans)} scans differ: {disagreements}"
    assert {r["kind"] for r in results} == KINDS, "the generated scans should reach every kind"
    assert sum(r["valid"] for r in results if r["kind"] in ("gs1", "sscc")) >= 20, "too few valid GS1 scans to compare"


def test_the_interpreter_runs_in_a_worker_and_says_when_its_rules_are_missing(page):
    answer = page.evaluate(_IN_A_WORKER)
    assert "rules are not loaded" in answer["before"]
    assert answer["after"] == interpret("]C1010950600013435210ABC\x1d17271231").as_dict()
