"""Camera decoding in the browser: frame → feedback, and camera open → first decode (cold).

Headless Chromium (the system build) with a fake 640×480 camera playing a .y4m of a barcode drawn
by zxing-cpp (tests/browser/camera.py), on the standalone scan page /static/scan/bench.html served
by a real `python -m server.cli serve` on loopback. The page's own performance.now() marks are read
back (pwa/scan/bench.js):

(a) frame → feedback, per decoded frame, duplicate window 0 so every decoded frame gives feedback:
    grabbedAt (the video-frame callback fires; createImageBitmap, transfer to the worker, decode
    with zxing-wasm, reply) → shownAt (the scan screen interpreted the code, the big line is in the
    DOM and the tone is scheduled). `painted` adds the wait for the next rendering step. The first
    `--skip` feedbacks are dropped (warm-up). Target: median ≤ 25 ms.
(b) cold start: a new browser (fresh profile: empty HTTP and code caches) per run; the page calls
    openCamera() as soon as its module loads; openCalledAt → the first feedback's shownAt. Target:
    median ≤ 600 ms. Navigation → first feedback is printed too.

    A linear code is acted on when a second frame agrees (pwa/scan/confirm.js): `accepted` is the
    time from the frame that first decoded it to the feedback acted on, after closing and opening
    the camera (`--reopen` times). Both 640×480 and 1280×720 cameras are measured (`--sizes`).

    .venv/bin/python bench/scan_decode.py [--frames 120] [--cold 5] [--codes ean13,gs1_128,qr,datamatrix] [--sizes 640x480,1280x720]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import zxingcpp
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.camera import Barcode, barcode_video, camera_browser, camera_page  # noqa: E402
from tests.support import LiveServer  # noqa: E402  (the one live-server helper, shared with the tests)

F = zxingcpp.BarcodeFormat
CODES = {
    "ean13": Barcode("ean13", "4006381333931", F.EAN13, "]E04006381333931", "EAN-13"),
    "gs1_128": Barcode("gs1_128", "(01)09506000134352(10)ABC123(17)271231", F.Code128, "", "GS1-128", gs1=True),
    "qr": Barcode("qr", "https://track.example.com/p/ABC123", F.QRCode, "", "QR Code"),
    "datamatrix": Barcode("datamatrix", "(01)09506000134352(21)SN42(17)271231", F.DataMatrix, "", "GS1 DataMatrix", gs1=True),
    "itf14": Barcode("itf14", "10614141000033", F.ITF, "", "ITF-14"),
}
PAGE = "/static/scan/bench.html"


def start(work: Path) -> tuple[LiveServer, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}"}
    subprocess.run([sys.executable, "-m", "server.cli", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = LiveServer(env=env, log_path=work / "server.log", startup_timeout=60)
    return server, server.url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# Close the camera, forget what was seen, open it again: the next read starts from nothing, so a
# linear code must be confirmed by a second frame again (confirm.js).
REOPEN = """async () => {
  const bench = window.scanBench;
  document.querySelector(".scanner-camera").click();
  bench.feedback.length = 0;
  bench.unconfirmed.length = 0;
  document.querySelector(".scanner-camera").click();
}"""


def to_accepted(page, reopen: int) -> list[float]:
    """Time from the frame where a code was first decoded to the feedback acted on, per reopen (ms)."""
    times = []
    for _ in range(reopen):
        page.evaluate(REOPEN)
        page.wait_for_function("() => window.scanBench.feedback.length > 0", timeout=30_000)
        bench = page.evaluate("window.scanBench")
        accepted = bench["feedback"][0]
        first = bench["unconfirmed"][0]["grabbedAt"] if bench["unconfirmed"] else accepted["grabbedAt"]
        times.append(accepted["shownAt"] - first)
    return times


def frame_to_feedback(
    playwright, url: str, work: Path, barcode: Barcode, frames: int, skip: int, size: tuple[int, int], reopen: int
) -> dict:
    video = barcode_video(work, barcode, size)
    with camera_browser(playwright, video) as browser:
        context, page = camera_page(browser, url)
        page.goto(f"{url}{PAGE}?open=1&dup=0")
        deadline = time.monotonic() + 120
        while page.evaluate("window.scanBench.feedback.length") < frames + skip + 1:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{barcode.name}: only {page.evaluate('window.scanBench.feedback.length')} decodes in 120 s")
            time.sleep(0.25)
        bench = page.evaluate("window.scanBench")
        accepted = to_accepted(page, reopen)
        context.close()
    assert bench["frameSize"] == f"{size[0]}x{size[1]}", f"the camera gave {bench['frameSize']}, not {size}"
    rows = [f for f in bench["feedback"][skip:] if f["paintedAt"] is not None][:frames]
    texts = {row["text"] for row in rows}
    assert len(texts) == 1, f"{barcode.name}: decoded {texts}"
    shown = [row["shownAt"] - row["grabbedAt"] for row in rows]
    painted = [row["paintedAt"] - row["grabbedAt"] for row in rows]
    decode = [row["decodeMs"] for row in rows]
    return {
        "code": barcode.name,
        "n": len(rows),
        "median": statistics.median(shown),
        "p90": percentile(shown, 90),
        "painted": statistics.median(painted),
        "decode": statistics.median(decode),
        "accepted": statistics.median(accepted),
        "accepted_max": max(accepted),
    }


def cold_start(playwright, url: str, video: Path) -> dict:
    with camera_browser(playwright, video) as browser:
        context, page = camera_page(browser, url)
        page.goto(f"{url}{PAGE}?open=1")
        deadline = time.monotonic() + 30
        while not page.evaluate("window.scanBench.feedback.length"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no decode within 30 s: {page.evaluate('window.scanBench')}")
            time.sleep(0.02)
        bench = page.evaluate("window.scanBench")
        context.close()
    first = bench["feedback"][0]["shownAt"]
    return {
        "open_to_decode": first - bench["openCalledAt"],
        "nav_to_decode": first,
        "camera_ready": bench["cameraReadyAt"] - bench["openCalledAt"],
        "decoder_ready": bench["decoderReadyAt"] - bench["openCalledAt"],
        "warm_up": bench["warmUpMs"] or 0,
        "first_decode": bench["feedback"][0]["decodeMs"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=120, help="decoded frames measured per code (after --skip)")
    parser.add_argument("--skip", type=int, default=5, help="first feedbacks dropped as warm-up")
    parser.add_argument("--cold", type=int, default=5, help="cold launches")
    parser.add_argument("--codes", default="ean13,gs1_128,qr,datamatrix", help=f"comma-separated, from {', '.join(CODES)}")
    parser.add_argument("--sizes", default="640x480,1280x720", help="camera frame sizes, comma-separated")
    parser.add_argument("--reopen", type=int, default=10, help="camera reopened this often per code to time an accepted read")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        work = Path(tmp)
        server, url = start(work)
        try:
            with sync_playwright() as playwright:
                print(f"load average before: {os.getloadavg()[0]:.1f}")
                for size_text in args.sizes.split(","):
                    size = tuple(int(n) for n in size_text.split("x"))
                    print(f"\n(a) frame → feedback, {size_text} camera, {args.frames} decoded frames per code, ms")
                    print(
                        "    accepted: first frame that decoded the code → feedback acted on, after a camera reopen (median, max)"
                    )
                    print(f"{'code':<12}{'n':>5}{'median':>9}{'p90':>8}{'+paint':>9}{'decode':>9}{'accepted':>10}{'max':>7}")
                    for name in args.codes.split(","):
                        r = frame_to_feedback(playwright, url, work, CODES[name], args.frames, args.skip, size, args.reopen)
                        print(
                            f"{r['code']:<12}{r['n']:>5}{r['median']:>9.1f}{r['p90']:>8.1f}{r['painted']:>9.1f}{r['decode']:>9.1f}"
                            f"{r['accepted']:>10.1f}{r['accepted_max']:>7.0f}"
                        )

                print(f"\n(b) camera open → first decode, cold (new browser and profile each run), {args.cold} runs, ms")
                print(
                    f"{'run':<5}{'open→decode':>13}{'nav→decode':>12}{'camera ready':>14}{'decoder ready':>15}{'warm-up':>9}{'1st decode':>12}"
                )
                video = barcode_video(work, CODES["ean13"])
                colds = []
                for i in range(args.cold):
                    c = cold_start(playwright, url, video)
                    colds.append(c)
                    print(
                        f"{i + 1:<5}{c['open_to_decode']:>13.0f}{c['nav_to_decode']:>12.0f}{c['camera_ready']:>14.0f}{c['decoder_ready']:>15.0f}{c['warm_up']:>9.0f}{c['first_decode']:>12.0f}"
                    )
                print(
                    f"{'med':<5}{statistics.median(c['open_to_decode'] for c in colds):>13.0f}"
                    f"{statistics.median(c['nav_to_decode'] for c in colds):>12.0f}"
                    f"{statistics.median(c['camera_ready'] for c in colds):>14.0f}"
                    f"{statistics.median(c['decoder_ready'] for c in colds):>15.0f}"
                    f"{statistics.median(c['warm_up'] for c in colds):>9.0f}"
                    f"{statistics.median(c['first_decode'] for c in colds):>12.0f}"
                )
                print(f"\nload average after: {os.getloadavg()[0]:.1f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
