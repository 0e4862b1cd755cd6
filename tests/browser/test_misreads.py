"""Camera reads never act on a misread (issue #15): a seeded misread set of our own (every format ×
every degradation at its second and fourth levels; tests/browser/misread_set.py) read in Chromium by the app's own
decoder worker, frame reader and confirmer (tests/browser/misread_run.py).

Asserted: no wrong value is ever acted on — with camera-like frames (each with its own noise and
shake) and with a still image played frame after frame (the fake camera of the issue's photos);
every clean sample is read; the app reads more than it did before (640 px frames). Printed: read
rate per format and per degradation, now and before, the misreads before, decode time per frame.
The larger run (all four levels, several scenes per cell) is bench/scan_misreads.py.
"""

from __future__ import annotations

import pytest

from tests.browser.misread_run import run
from tests.browser.misread_set import samples

SEED = 15
FRAMES = 4  # decoded frames per scene: about 130 ms of a camera at 30 fps, one decode per frame


@pytest.fixture(scope="module")
def sample_set():
    return list(samples(SEED, levels=(2, 4)))


def _page(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return context, page, errors


def test_no_misread_is_acted_on_and_more_codes_are_read_than_before(browser, live_server, sample_set, capsys):
    context, page, errors = _page(browser, live_server)
    outcome = run(page, live_server.url, sample_set, frames=FRAMES, still=False)
    context.close()
    with capsys.disabled():
        print(f"\nmisread set (seed {SEED}), camera frames:\n{outcome.table()}\n{outcome.timing()}")
        if outcome.misreads_before:
            print("acted on before this change (640 px, one frame):\n  " + "\n  ".join(outcome.misreads_before))
    assert not errors
    assert outcome.misreads == [], outcome.misreads
    clean = outcome.by_degradation["clean"]
    assert clean.read == clean.samples, "every clean drawing must be read: the harness or the decoder is broken"
    assert outcome.total.read > outcome.total.read_before, "full-resolution region first must read more than the 640 px frame"


def test_a_still_image_played_as_a_camera_acts_on_no_misread_either(browser, live_server, sample_set, capsys):
    """Every frame the same: two frames agree only because the two scales sampled the code differently."""
    context, page, errors = _page(browser, live_server)
    outcome = run(page, live_server.url, sample_set, frames=FRAMES, still=True, before=False)
    context.close()
    with capsys.disabled():
        t = outcome.total
        print(f"\nmisread set (seed {SEED}), still frames: read {t.read}/{t.samples}, misreads {t.misread}")
    assert not errors
    assert outcome.misreads == [], outcome.misreads
    clean = outcome.by_degradation["clean"]
    assert clean.read == clean.samples
