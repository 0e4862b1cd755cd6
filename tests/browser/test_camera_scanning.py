"""Scanning with the phone's camera and with a hardware (keyboard-wedge) scanner, in Chromium.

The camera is Chromium's fake device playing a .y4m video of a barcode drawn by zxing-cpp
(tests/browser/camera.py); the page is the standalone "Scan test" screen, /static/scan/bench.html.
"""

from __future__ import annotations

import pytest
import zxingcpp
from playwright.sync_api import expect, sync_playwright

from tests.browser.camera import Barcode, barcode_video, camera_browser, camera_page
from tests.browser.support import CHROMIUM, PHONE, RECORD_CSP_VIOLATIONS, SCREENSHOTS

pytestmark = pytest.mark.browser

F = zxingcpp.BarcodeFormat
PAGE = "/static/scan/bench.html"
WASM = "/vendor/zxing-wasm/reader/zxing_reader.wasm"
DECODER_PARTS = ("/static/scan/decode-worker.js", "/vendor/zxing-wasm/")
DECODE_TIMEOUT_MS = 10_000

GS1_128 = "(01)09506000134352(10)ABC123(17)271231"
GS1_DM = "(01)09506000134352(21)SN42(17)271231"

BARCODES = [
    Barcode("ean13", "4006381333931", F.EAN13, "]E04006381333931", "EAN-13"),
    Barcode("ean8", "96385074", F.EAN8, "]E496385074", "EAN-8"),
    Barcode("upca", "614141000036", F.UPCA, "]E00614141000036", "UPC-A"),
    # zxing reports UPC-E expanded to 13 digits; the GTIN is the same.
    Barcode("upce", "04252614", F.UPCE, "]E00042100005264", "UPC-E"),
    Barcode("code128", "A-01-03", F.Code128, "]C0A-01-03", "Code 128"),
    Barcode("gs1_128", GS1_128, F.Code128, "]C1010950600013435210ABC123\x1d17271231", "GS1-128", gs1=True),
    Barcode("itf14", "10614141000033", F.ITF, "]I110614141000033", "ITF-14"),
    Barcode("qr", "https://track.example.com/p/ABC123", F.QRCode, "]Q1https://track.example.com/p/ABC123", "QR Code"),
    Barcode("datamatrix", "TOTE-0042", F.DataMatrix, "]d1TOTE-0042", "Data Matrix"),
    Barcode("gs1_datamatrix", GS1_DM, F.DataMatrix, "]d2010950600013435221SN42\x1d17271231", "GS1 DataMatrix", gs1=True),
]

# What the offline interpreter must find in the GS1 codes (checked when pwa/scan/interpret.js exists).
MEANINGS = {
    "gs1_128": {"gtin": "09506000134352", "lot": "ABC123", "expiry": "2027-12-31"},
    "gs1_datamatrix": {"gtin": "09506000134352", "serial": "SN42", "expiry": "2027-12-31"},
}

# A BarcodeDetector like Chrome's on Android: every format supported, and it "sees" an EAN-13.
_NATIVE_DETECTOR = """
window.__nativeDetects = 0;
globalThis.BarcodeDetector = class BarcodeDetector {
  static async getSupportedFormats() {
    return ["aztec", "code_128", "code_39", "code_93", "codabar", "data_matrix", "ean_13", "ean_8", "itf", "pdf417", "qr_code", "upc_a", "upc_e"];
  }
  constructor(options) { this.formats = options.formats; }
  async detect(source) {
    // Like the real API: a playing video or an ImageBitmap (the stretched frames are resized bitmaps).
    const playing = source instanceof HTMLVideoElement && source.readyState >= 2;
    if (!playing && !(source instanceof ImageBitmap)) throw new TypeError("not an image source");
    window.__nativeDetects += 1;
    window.__nativeSources = [...(window.__nativeSources ?? []), source instanceof ImageBitmap ? `bitmap ${source.width}x${source.height}` : "video"];
    return [{ rawValue: "4006381333931", format: "ean_13", boundingBox: new DOMRect(10, 10, 200, 100), cornerPoints: [] }];
  }
};
"""

# Every answer the page's decoder worker gives to a frame: the text it read, "result" (no code in
# the frame) or "error". Proves the camera went on reading when a test expects no new scan.
_RECORD_DECODER_ANSWERS = """
window.__decoderAnswers = [];
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", ({ data }) => {
      if (data && data.id != null) window.__decoderAnswers.push(data.scan?.text ?? data.type);
    });
  }
};
"""

CONTROL_HEIGHTS = """
() => [...document.querySelectorAll("button, input")]
  .filter((el) => el.offsetParent !== null)
  .map((el) => [el.textContent.trim() || el.name, el.getBoundingClientRect().height])
"""


@pytest.fixture(scope="module")
def pw():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need the system Chromium")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def ean13_camera(pw, tmp_path_factory):
    """One Chromium whose camera shows an EAN-13, shared by the tests that only need some code."""
    video = barcode_video(tmp_path_factory.mktemp("camera"), BARCODES[0])
    with camera_browser(pw, video) as browser:
        yield browser


@pytest.fixture(scope="module")
def keyboard_browser(pw):
    """A Chromium without a camera: hardware scanners are keyboards."""
    with camera_browser(pw, None) as browser:
        yield browser


class Requests:
    """Every URL the context requested (pages and workers), in order."""

    def __init__(self, context):
        self.urls: list[str] = []
        context.on("request", lambda request: self.urls.append(request.url))

    def decoder(self) -> list[str]:
        return [url for url in self.urls if any(part in url for part in DECODER_PARTS)]


def open_page(browser, live_server, query: str = "", init_script: str | None = None):
    context, page = camera_page(browser, live_server.url, viewport=PHONE)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    if init_script:
        page.add_init_script(init_script)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    requests = Requests(context)
    page.goto(f"{live_server.url}{PAGE}{query}")
    return context, page, requests, errors


def wait_for_scans(page, count: int = 1) -> None:
    expect(page.get_by_test_id("scan-count")).to_have_text(str(count), timeout=DECODE_TIMEOUT_MS)


def last(page, field: str) -> str:
    return page.get_by_test_id(f"last-{field}").text_content()


def meaning(page, field: str) -> str:
    return page.get_by_test_id(f"meaning-{field}").text_content()


def last_code(page) -> str:
    return page.get_by_test_id("last-code").get_attribute("data-raw")


@pytest.mark.parametrize("barcode", BARCODES, ids=[b.name for b in BARCODES])
def test_camera_reads_each_warehouse_format(pw, live_server, tmp_path, barcode):
    video = barcode_video(tmp_path, barcode)
    with camera_browser(pw, video) as browser:
        context, page, _requests, errors = open_page(browser, live_server, "?open=1")
        wait_for_scans(page)
        assert last_code(page) == barcode.code
        assert last(page, "format") == barcode.label
        assert last(page, "source") == "camera"
        assert page.evaluate("window.scanBench.decoderKind") == "wasm"
        if barcode.name in MEANINGS:
            expect(page.locator("[data-interpreter]")).to_have_attribute("data-interpreter", "ready")
            for field, value in MEANINGS[barcode.name].items():
                assert meaning(page, field) == value, field
        if barcode.name == "gs1_128":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "scan-gs1-128.png"))
        assert not errors
        context.close()


def test_decoder_is_fetched_only_when_the_camera_opens_and_the_same_code_held_in_view_counts_once(ean13_camera, live_server):
    context, page, requests, errors = open_page(ean13_camera, live_server, init_script=_RECORD_DECODER_ANSWERS)
    expect(page.get_by_role("button", name="Camera")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert requests.decoder() == [], "the decoder was fetched before the camera opened"

    page.get_by_role("button", name="Camera").click()
    wait_for_scans(page)
    assert last_code(page) == "]E04006381333931"
    assert any(url.endswith(WASM) for url in requests.decoder())

    # The camera keeps decoding the EAN-13 (many frames a second); within the duplicate window
    # (1.5 s by default, from its last sighting) it is one scan, with one feedback line.
    page.wait_for_function(
        "(code) => window.__decoderAnswers.filter((text) => text === code).length >= 6", arg="]E04006381333931"
    )
    assert page.get_by_test_id("scan-count").text_content() == "1"
    expect(page.get_by_test_id("scan-display")).to_have_attribute("data-kind", "ok")

    # Fits a phone with the camera open; every control is a 48 px touch target.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = [(name, height) for name, height in page.evaluate(CONTROL_HEIGHTS) if height < 48]
    assert not small, f"touch targets under 48 px: {small}"

    # Closing the camera stops the stream's tracks.
    page.evaluate("window.__track = document.querySelector('video').srcObject.getVideoTracks()[0]")
    page.get_by_role("button", name="Camera").click()
    expect(page.locator(".scanner")).to_have_attribute("data-camera", "off")
    assert page.evaluate("window.__track.readyState") == "ended"
    assert page.evaluate("window.__cspViolations") == []
    assert not errors
    context.close()


def test_decodes_with_every_request_off_loopback_blocked_and_the_wasm_from_our_server(ean13_camera, live_server):
    context, page = camera_page(ean13_camera, live_server.url, viewport=PHONE)
    blocked: list[str] = []
    allowed: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(live_server.url + "/"):
            allowed.append(route.request.url)
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    requests = Requests(context)
    page.goto(f"{live_server.url}{PAGE}?open=1")
    wait_for_scans(page)
    assert last_code(page) == "]E04006381333931"
    # The worker's fetch went through the blocking route too, and came from our server.
    wasm = [url for url in requests.urls if url.endswith(".wasm")]
    assert wasm == [live_server.url + WASM]
    assert live_server.url + WASM in allowed
    assert blocked == []
    context.close()


def test_without_our_wasm_the_camera_says_the_decoder_could_not_start_and_fetches_no_other_copy(ean13_camera, live_server):
    context, page = camera_page(ean13_camera, live_server.url, viewport=PHONE)
    page.add_init_script(_RECORD_DECODER_ANSWERS)
    elsewhere: list[str] = []
    context.route("**/*.wasm", lambda route: route.abort())
    context.on("request", lambda request: request.url.startswith(live_server.url + "/") or elsewhere.append(request.url))
    page.goto(f"{live_server.url}{PAGE}?open=1")
    expect(page.locator(".scanner-status")).to_contain_text("decoder could not start", timeout=DECODE_TIMEOUT_MS)
    # The camera goes on handing frames to the decoder, which answers each without a code.
    page.wait_for_function("() => window.__decoderAnswers.length >= 5")
    assert set(page.evaluate("window.__decoderAnswers")) == {"error"}
    assert page.get_by_test_id("scan-count").text_content() == "0"
    assert elsewhere == []
    context.close()


def test_a_native_barcode_detector_is_used_instead_of_the_wasm_decoder(ean13_camera, live_server):
    context, page, requests, errors = open_page(ean13_camera, live_server, "?open=1", init_script=_NATIVE_DETECTOR)
    wait_for_scans(page)
    assert page.evaluate("window.scanBench.decoderKind") == "native"
    # An EAN-13 is acted on once two frames at different samplings agree: the video, and a 1.25×0.8 bitmap.
    sources = page.evaluate("window.__nativeSources")
    assert "video" in sources and "bitmap 800x384" in sources, sources
    # The native API gives no symbology identifier: the raw value is the code.
    assert last_code(page) == "4006381333931"
    assert last(page, "format") == "EAN-13"
    assert last(page, "source") == "camera"
    assert requests.decoder() == [], "the wasm decoder was loaded although a native one exists"
    assert not errors
    context.close()


def type_like_a_scanner(page, *parts: str, gs_key: str = "Control+BracketRight", end: str = "Enter") -> None:
    """Type parts at scanner speed (about 5 ms a key) with a GS key between them, then Enter."""
    for i, part in enumerate(parts):
        if i:
            page.keyboard.press(gs_key)
        page.keyboard.type(part, delay=5)
    page.keyboard.press(end)


def test_a_hardware_scanner_types_a_gs1_code_and_it_is_a_wedge_scan_not_text_in_the_field(keyboard_browser, live_server):
    context, page, _requests, errors = open_page(keyboard_browser, live_server)
    field = page.get_by_label("Type a code")
    field.click()  # the burst lands in a focused field: it must not stay there
    type_like_a_scanner(page, "0109506000134352" + "10ABC123", "17271231")
    wait_for_scans(page)
    assert last_code(page) == "010950600013435210ABC123\x1d17271231"
    assert last(page, "source") == "wedge"
    assert field.input_value() == ""
    assert meaning(page, "lot") == "ABC123"
    assert meaning(page, "expiry") == "2027-12-31"

    # F8 is the other common GS key, and Tab also ends a scan.
    page.get_by_role("heading", name="Scan test").click()
    type_like_a_scanner(page, "]C10109506000134352" + "21SN42", "17271231", gs_key="F8", end="Tab")
    wait_for_scans(page, 2)
    assert last_code(page) == "]C1010950600013435221SN42\x1d17271231"
    assert page.evaluate("window.scanBench.feedback.at(-1).source") == "wedge"
    assert not errors
    context.close()


def test_slow_typing_in_a_field_is_not_a_scan(keyboard_browser, live_server):
    context, page, _requests, errors = open_page(keyboard_browser, live_server)
    field = page.get_by_label("Type a code")
    field.click()
    field.press_sequentially("SKU-A", delay=120)
    # Only Enter or Tab ends a scan (the wedge has no timer), and every key has been through the
    # page's keydown listeners once the field holds it: nothing later could still turn this into one.
    expect(field).to_have_value("SKU-A")
    assert page.get_by_test_id("scan-count").text_content() == "0"

    # Enter in the fallback field submits what was typed, as a manual entry.
    page.keyboard.press("Enter")
    wait_for_scans(page)
    assert last_code(page) == "SKU-A"
    assert last(page, "source") == "manual"
    assert field.input_value() == ""
    assert not errors
    context.close()


def test_a_hardware_scanner_reading_the_same_code_again_is_a_new_scan(keyboard_browser, live_server):
    """Each trigger pull is meant (a picker scans every unit of an item): the camera's duplicate
    window does not apply to the wedge."""
    context, page, _requests, errors = open_page(keyboard_browser, live_server, "?dup=5000")
    type_like_a_scanner(page, "TOTE-0042")
    wait_for_scans(page)
    type_like_a_scanner(page, "TOTE-0042")
    wait_for_scans(page, 2)
    type_like_a_scanner(page, "TOTE-0043")
    wait_for_scans(page, 3)
    assert last_code(page) == "TOTE-0043"
    assert not errors
    context.close()


# Records what the feedback module plays and vibrates, without changing it.
_RECORD_FEEDBACK = """
window.__tones = [];
window.__vibrations = [];
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  const node = createOscillator.call(this);
  const start = node.start.bind(node);
  node.start = (when) => { window.__tones.push(node.frequency.value); start(when); };
  return node;
};
Object.defineProperty(Navigator.prototype, "vibrate", { configurable: true, value: (pattern) => { window.__vibrations.push(pattern); return true; } });
"""


def test_a_picker_hears_one_high_beep_for_a_good_code_and_a_low_double_tone_for_a_bad_check_digit(keyboard_browser, live_server):
    context, page, _requests, errors = open_page(keyboard_browser, live_server, init_script=_RECORD_FEEDBACK)
    expect(page.locator("[data-interpreter]")).to_have_attribute("data-interpreter", "ready")
    type_like_a_scanner(page, "4006381333931")
    wait_for_scans(page)
    expect(page.get_by_test_id("scan-display")).to_have_attribute("data-kind", "ok")
    good_tones = page.evaluate("window.__tones.splice(0)")

    type_like_a_scanner(page, "4006381333932")  # check digit should be 1
    wait_for_scans(page, 2)
    display = page.get_by_test_id("scan-display")
    expect(display).to_have_attribute("data-kind", "error")
    expect(display).to_contain_text("4006381333932")
    assert display.get_attribute("aria-live") == "polite"
    bad_tones = page.evaluate("window.__tones")

    assert len(good_tones) == 1 and good_tones[0] > 1000, good_tones
    assert len(bad_tones) == 2 and max(bad_tones) < 300, bad_tones
    vibrations = page.evaluate("window.__vibrations")
    assert len(vibrations) == 2 and sum(vibrations[1]) > sum(vibrations[0]), vibrations
    assert not errors
    context.close()


# Chromium's fake camera has no torch (its capabilities list none and applyConstraints refuses
# one), so a phone's rear camera is stood in for: capabilities that list a torch, and a record of
# the torch constraints the page applies.
_TORCH = """
window.__torch = [];
const capabilities = MediaStreamTrack.prototype.getCapabilities;
MediaStreamTrack.prototype.getCapabilities = function () {
  return { ...capabilities.call(this), torch: true };
};
const apply = MediaStreamTrack.prototype.applyConstraints;
MediaStreamTrack.prototype.applyConstraints = function (constraints) {
  const torch = constraints?.advanced?.find((c) => "torch" in c);
  if (torch) {
    window.__torch.push(torch.torch);
    return Promise.resolve();
  }
  return apply.call(this, constraints);
};
"""


def test_the_torch_toggles_where_the_camera_has_one_and_is_hidden_where_it_has_none(ean13_camera, live_server):
    context, page, _requests, errors = open_page(ean13_camera, live_server, "?open=1", init_script=_TORCH)
    wait_for_scans(page)
    torch = page.get_by_role("button", name="Torch")
    expect(torch).to_be_visible()
    torch.click()
    expect(torch).to_have_attribute("aria-pressed", "true")
    torch.click()
    expect(torch).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.__torch") == [True, False]
    assert not errors
    context.close()

    # The fake camera as it is: no torch, no button.
    context, page, _requests, errors = open_page(ean13_camera, live_server, "?open=1")
    wait_for_scans(page)
    expect(page.locator(".scanner-torch")).to_be_hidden()
    assert not errors
    context.close()


# Every answer of the page's decoder worker, whole: which view read the code, at which scale.
_RECORD_DECODER_SCANS = """
window.__decoderScans = [];
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", ({ data }) => {
      if (data && data.id != null && data.scan) window.__decoderScans.push(data.scan);
    });
  }
};
"""


@pytest.fixture(scope="module")
def small_ean_720p(pw, tmp_path_factory):
    """A 1280×720 camera showing a small EAN-13 (2 px a module): one pixel a module once the frame
    is scaled to 640 px, which is how it was read before."""
    barcode = Barcode("ean13_small", "4006381333931", F.EAN13, "]E04006381333931", "EAN-13", scale=2)
    video = barcode_video(tmp_path_factory.mktemp("camera720"), barcode, (1280, 720))
    with camera_browser(pw, video) as browser:
        yield browser


def test_a_720p_camera_is_read_in_the_region_under_the_aiming_box_at_full_resolution(small_ean_720p, live_server):
    context, page, _requests, errors = open_page(small_ean_720p, live_server, "?open=1", init_script=_RECORD_DECODER_SCANS)
    wait_for_scans(page)
    assert last_code(page) == "]E04006381333931"
    aim = page.get_by_test_id("aiming-box")
    expect(aim).to_be_visible()
    assert aim.get_attribute("data-frame") == "1280x720"
    assert aim.get_attribute("data-region") == "256,180,768,360"
    # The box is where that region shows in the preview (object-fit: cover crops the frame's sides).
    preview = page.locator(".scanner-preview").bounding_box()
    box = aim.bounding_box()
    scale = max(preview["width"] / 1280, preview["height"] / 720)
    offset_x = (preview["width"] - 1280 * scale) / 2
    offset_y = (preview["height"] - 720 * scale) / 2
    assert abs(box["x"] - (preview["x"] + offset_x + 256 * scale)) < 1.5
    assert abs(box["y"] - (preview["y"] + offset_y + 180 * scale)) < 1.5
    assert abs(box["width"] - 768 * scale) < 1.5 and abs(box["height"] - 360 * scale) < 1.5
    views = {scan["view"] for scan in page.evaluate("window.__decoderScans")}
    assert views == {"region"}, views
    # The same frames scaled to 640 px, as the camera was read before, give nothing.
    before = page.evaluate(
        """async () => {
          const { wasmDecoder } = await import("/static/scan/scanner.js");
          const video = document.querySelector("video");
          const small = await createImageBitmap(video, { resizeWidth: 640, resizeHeight: 360, resizeQuality: "medium" });
          const decoder = wasmDecoder();
          const found = await decoder.decode(small);
          decoder.close();
          return found;
        }"""
    )
    assert before is None, before
    assert not errors
    context.close()


def test_a_linear_code_is_acted_on_only_when_a_second_frame_at_the_other_sampling_agrees(ean13_camera, live_server):
    context, page, _requests, errors = open_page(ean13_camera, live_server, "?open=1", init_script=_RECORD_DECODER_SCANS)
    wait_for_scans(page)
    held = page.evaluate("window.scanBench.unconfirmed")
    assert len(held) >= 1 and held[0]["text"] == "]E04006381333931", held
    scans = page.evaluate("window.__decoderScans")
    # The first decoded frames: as they came, then stretched; the feedback came after both.
    assert [scan["sampling"] for scan in scans[:2]] == ["1x1", "1.25x0.8"], scans[:2]
    feedback = page.evaluate("window.scanBench.feedback[0]")
    assert feedback["grabbedAt"] > held[0]["grabbedAt"]
    assert not errors
    context.close()


def test_a_qr_code_is_acted_on_from_one_frame(pw, live_server, tmp_path):
    video = barcode_video(tmp_path, BARCODES[7])
    with camera_browser(pw, video) as browser:
        context, page, _requests, errors = open_page(browser, live_server, "?open=1")
        wait_for_scans(page)
        assert last(page, "format") == "QR Code"
        assert page.evaluate("window.scanBench.unconfirmed") == []
        assert not errors
        context.close()


# A phone's rear camera as Chromium reports one: continuous and single-shot focus, points of
# interest. The fake camera has none of these, so they are stood in for, with a record of every
# focus constraint the page applies.
_FOCUS = """
window.__focus = [];
const capabilities = MediaStreamTrack.prototype.getCapabilities;
MediaStreamTrack.prototype.getCapabilities = function () {
  return { ...capabilities.call(this), focusMode: ["manual", "single-shot", "continuous"], pointsOfInterest: true };
};
const apply = MediaStreamTrack.prototype.applyConstraints;
MediaStreamTrack.prototype.applyConstraints = function (constraints) {
  const focus = constraints?.advanced?.find((c) => "focusMode" in c || "pointsOfInterest" in c);
  if (focus) {
    window.__focus.push(focus);
    return Promise.resolve();
  }
  return apply.call(this, constraints);
};
"""


def test_the_camera_focuses_continuously_and_a_tap_focuses_on_the_tapped_point(ean13_camera, live_server):
    context, page, _requests, errors = open_page(ean13_camera, live_server, "?open=1", init_script=_FOCUS)
    wait_for_scans(page)
    assert page.evaluate("window.__focus") == [{"focusMode": "continuous"}]
    preview = page.locator(".scanner-preview")
    box = preview.bounding_box()
    preview.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
    page.wait_for_function("() => window.__focus.length >= 2")
    tap = page.evaluate("window.__focus[1]")
    assert tap["focusMode"] == "single-shot"
    (point,) = tap["pointsOfInterest"]
    # 640×480 in a 4:3 preview: the tapped point is the frame's (0.25, 0.5).
    assert abs(point["x"] - 0.25) < 0.02 and abs(point["y"] - 0.5) < 0.02, point
    expect(page.locator(".scanner-focus")).to_be_visible()
    # Back to continuous focus after the tap.
    page.wait_for_function("() => window.__focus.length >= 3", timeout=5000)
    assert page.evaluate("window.__focus[2]") == {"focusMode": "continuous"}
    expect(page.locator(".scanner-focus")).to_be_hidden()
    assert not errors
    context.close()
