// Making a delivery photo small enough (pwa/photo.js): the plan of attempts and the loop that follows
// it, with a stand-in JPEG encoder whose output grows with pixels and quality as a real one does.

import assert from "node:assert/strict";
import { test } from "node:test";

import { FIRST_ATTEMPT, fittedSize, nextAttempt, shrinkToFit } from "../../pwa/photo.js";

/** Bytes a JPEG of w×h at `quality` takes, roughly: ~0.3 bytes a pixel at 0.85, less at lower quality. */
const jpegBytes = (w, h, quality) => Math.round(w * h * 0.3 * (quality / 0.85) ** 1.5);

function fakeEncoder() {
  const calls = [];
  const encode = async (width, height, quality) => {
    calls.push({ width, height, quality });
    return new Blob([new Uint8Array(jpegBytes(width, height, quality))], { type: "image/jpeg" });
  };
  return { calls, encode };
}

test("quality steps down first, 0.85 to 0.55, then the picture shrinks by 0.8 a step until a quarter", () => {
  const plan = [FIRST_ATTEMPT];
  for (let next = nextAttempt(FIRST_ATTEMPT, 310_000, 307_200); next; next = nextAttempt(next, 310_000, 307_200)) plan.push(next);
  assert.deepEqual(plan, [
    { quality: 0.85, scale: 1 },
    { quality: 0.75, scale: 1 },
    { quality: 0.65, scale: 1 },
    { quality: 0.55, scale: 1 },
    { quality: 0.55, scale: 0.8 },
    { quality: 0.55, scale: 0.64 },
    { quality: 0.55, scale: 0.512 },
    { quality: 0.55, scale: 0.41 },
    { quality: 0.55, scale: 0.328 },
    { quality: 0.55, scale: 0.262 },
  ]);
});

test("far over the limit, the picture shrinks by what the overshoot asks rather than 0.8 at a time", () => {
  const next = nextAttempt({ quality: 0.55, scale: 1 }, 4 * 307_200, 307_200);
  assert.deepEqual(next, { quality: 0.55, scale: 0.5 });
});

test("the longer side is fitted to maxSide, proportions kept, a small picture never enlarged", () => {
  assert.deepEqual(fittedSize(4000, 3000, 1600), { width: 1600, height: 1200 });
  assert.deepEqual(fittedSize(1080, 1920, 1600), { width: 900, height: 1600 });
  assert.deepEqual(fittedSize(640, 480, 1600), { width: 640, height: 480 });
  assert.deepEqual(fittedSize(4000, 3000, 1600, 0.5), { width: 800, height: 600 });
});

test("a camera photo is encoded at 0.85 first and returned as soon as it fits", async () => {
  const { calls, encode } = fakeEncoder();
  const blob = await shrinkToFit(encode, { width: 1280, height: 720 }, { maxSide: 1600, maxBytes: 307_200 });
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0], { width: 1280, height: 720, quality: 0.85 });
  assert.ok(blob.size <= 307_200);
});

test("a 12-megapixel photo ends under 300 KB after the fewest attempts the plan allows", async () => {
  const { calls, encode } = fakeEncoder();
  const blob = await shrinkToFit(encode, { width: 4000, height: 3000 }, { maxSide: 1600, maxBytes: 307_200 });
  assert.ok(blob.size <= 307_200, `${blob.size} bytes`);
  assert.deepEqual(calls[0], { width: 1600, height: 1200, quality: 0.85 });
  assert.ok(calls.every((c) => Math.max(c.width, c.height) <= 1600));
  for (let i = 1; i < calls.length; i += 1) {
    assert.ok(calls[i].quality <= calls[i - 1].quality && calls[i].width <= calls[i - 1].width, "every attempt is smaller than the last");
  }
  assert.ok(calls.length <= 6, `${calls.length} encodes`);
});

test("a photo that cannot be made small enough is refused with a reason, not sent oversize", async () => {
  const { calls, encode } = fakeEncoder();
  await assert.rejects(shrinkToFit(encode, { width: 1600, height: 1200 }, { maxBytes: 1_000 }), /cannot be made smaller than 1 KB/);
  assert.ok(calls.length < 20);
});
