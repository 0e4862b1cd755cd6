// When a camera read may be acted on (pwa/scan/confirm.js) and where the decoder looks first
// (pwa/scan/region.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { CONFIRM_WINDOW_MS, createConfirmer, plausible } from "../../pwa/scan/confirm.js";
import { aimingBox, centredRegion, downscaledSize, regionOfInterest, SAMPLINGS, samplingNamed } from "../../pwa/scan/region.js";

const ean = (text, frame, scale) => ({ text: `]E0${text}`, raw: text, format: "ean_13", frame, sampling: scale === 1 ? "1x1" : "1.25x0.8" });

test("a linear read is held until a second frame at the other sampling agrees", () => {
  const confirm = createConfirmer();
  assert.equal(confirm.offer(ean("4006381333931", 1, 1), 0), null);
  assert.deepEqual(confirm.pending, ["]E04006381333931"]);
  const accepted = confirm.offer(ean("4006381333931", 2, 1.25), 33);
  assert.equal(accepted.raw, "4006381333931");
  assert.deepEqual(accepted.confirmedBy, [1, 2]);
  assert.deepEqual(confirm.pending, []);
});

test("two frames that disagree act on nothing, and a third that agrees with one of them acts on it", () => {
  const confirm = createConfirmer();
  assert.equal(confirm.offer(ean("0012345678905", 1, 1), 0), null);
  assert.equal(confirm.offer(ean("0012345678912", 2, 1.25), 33), null); // a misread: another valid code
  const accepted = confirm.offer(ean("0012345678905", 3, 1.25), 66);
  assert.equal(accepted.raw, "0012345678905");
  assert.deepEqual(confirm.pending, ["]E00012345678912"]);
});

test("the same frame, or two frames at the same sampling, never confirm each other", () => {
  const confirm = createConfirmer();
  assert.equal(confirm.offer(ean("4006381333931", 1, 1), 0), null);
  assert.equal(confirm.offer(ean("4006381333931", 1, 1.25), 1), null); // same frame
  assert.equal(confirm.offer(ean("4006381333931", 3, 1), 66), null); // same sampling: a still image's same misread
  assert.ok(confirm.offer(ean("4006381333931", 4, 1.25), 99));
});

test("a first read older than the window is forgotten: the second must come within it", () => {
  const confirm = createConfirmer();
  assert.equal(confirm.offer(ean("4006381333931", 1, 1), 0), null);
  assert.equal(confirm.offer(ean("4006381333931", 2, 1.25), CONFIRM_WINDOW_MS + 1), null);
  assert.ok(confirm.offer(ean("4006381333931", 3, 1), CONFIRM_WINDOW_MS + 40));
});

test("a code held in view stays confirmed frame after frame, and must be confirmed again after a gap", () => {
  const confirm = createConfirmer({ windowMs: 500 });
  confirm.offer(ean("4006381333931", 1, 1), 0);
  assert.ok(confirm.offer(ean("4006381333931", 2, 1.25), 33));
  assert.ok(confirm.offer(ean("4006381333931", 3, 1), 66)); // same sampling as frame 1, but already confirmed
  assert.ok(confirm.offer(ean("4006381333931", 4, 1), 500));
  assert.equal(confirm.offer(ean("4006381333931", 5, 1), 1100), null); // away for more than the window
});

test("QR and Data Matrix (error-corrected) act on one frame; so does every format but the six linear ones", () => {
  const confirm = createConfirmer();
  for (const format of ["qr_code", "data_matrix"]) {
    const accepted = confirm.offer({ text: "https://track.example.com/p/1", format, frame: 1, sampling: "1x1" }, 0);
    assert.deepEqual(accepted.confirmedBy, [1]);
  }
  for (const format of ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf"]) {
    assert.equal(confirm.offer({ text: `x-${format}`, format, frame: 1, sampling: "1x1" }, 0), null, format);
  }
});

test("reset forgets what was pending and confirmed (the camera was closed)", () => {
  const confirm = createConfirmer();
  confirm.offer(ean("4006381333931", 1, 1), 0);
  confirm.offer(ean("4006381333931", 2, 1.25), 10);
  confirm.reset();
  assert.equal(confirm.offer(ean("4006381333931", 3, 1), 20), null);
});

test("an ITF read counts only as an ITF-14 with its GS1 check digit; other formats are not judged here", () => {
  assert.equal(plausible("itf", "10614141000033"), true); // GTIN-14 1 0614141 00003 3
  assert.equal(plausible("itf", "10614141000031"), false); // the same with a wrong check digit
  assert.equal(plausible("itf", "530209"), false); // the right half of a glared ITF-14
  assert.equal(plausible("itf", "1061414100003"), false);
  assert.equal(plausible("itf", "1061414100003X"), false);
  assert.equal(plausible("ean_13", "123"), true);
});

test("the region of interest: centred, even-sized, none for a frame small enough to read whole", () => {
  assert.equal(regionOfInterest(640, 480), null);
  assert.equal(regionOfInterest(800, 600), null);
  assert.deepEqual(regionOfInterest(1280, 720), { x: 256, y: 180, width: 768, height: 360 });
  const portrait = regionOfInterest(720, 1280);
  assert.equal(portrait.width, 648);
  assert.equal(portrait.height, 320);
  assert.equal(portrait.x * 2 + portrait.width, 720);
  assert.equal(portrait.y * 2 + portrait.height, 1280);
  assert.equal(regionOfInterest(0, 0), null);
  assert.deepEqual(centredRegion(640, 480), { x: 128, y: 120, width: 384, height: 240 }); // the guide only
});

test("the aiming box sits where the region shows in a preview that crops the frame to fill it", () => {
  // 1280×720 in a 360×270 (4:3) preview: scaled by 0.375, 60 px cut off each side.
  const box = aimingBox({ width: 1280, height: 720 }, regionOfInterest(1280, 720), { width: 360, height: 270 });
  assert.deepEqual(box, { left: 36, top: 67.5, width: 288, height: 135 });
  // A region wider than what shows is clipped to the preview.
  const clipped = aimingBox({ width: 1280, height: 720 }, { x: 0, y: 180, width: 1280, height: 360 }, { width: 360, height: 270 });
  assert.equal(clipped.left, 0);
  assert.equal(clipped.width, 360);
});

test("the whole frame is read at most 640 px on its longer side, then in the frame's sampling", () => {
  const [plain, stretched] = SAMPLINGS;
  assert.deepEqual(downscaledSize(1280, 720), { width: 640, height: 360 });
  assert.deepEqual(downscaledSize(1280, 720, stretched), { width: 800, height: 288 });
  assert.deepEqual(downscaledSize(640, 480, plain), { width: 640, height: 480 });
  assert.deepEqual(downscaledSize(640, 480, stretched), { width: 800, height: 384 });
  // The same number of pixels in both samplings: the alternate frame costs no more to decode.
  assert.equal(stretched.x * stretched.y, 1);
  assert.equal(samplingNamed("1.25x0.8"), stretched);
  assert.equal(samplingNamed("nonsense"), plain);
});
