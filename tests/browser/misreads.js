// Injected into the scan page by tests/browser/test_misreads.py and bench/scan_misreads.py: reads a
// burst of camera frames of one degraded scene through the app's own decoder (the zxing-wasm worker)
// and the app's own frame reader and confirmer (pwa/scan/scanner.js, confirm.js), and the same frames
// the way the app read them before (640 px frames, every read acted on at once).
//
// window.misreads.ready → the worker has compiled and warmed up.
// window.misreads.burst(url, {frames, still, seed}) → {accepted: [{text, raw, format, frame, view}],
//   found: [...], previous: [...], ms: [...]} for one scene: `frames` frames made from the scene's
//   image (its own sensor noise and shake per frame, as a camera gives, unless `still`); `before`
//   also reads each frame as the app did before (off: `previous` stays empty).

import { createConfirmer } from "/static/scan/confirm.js";
import { createFrameReader, wasmDecoder } from "/static/scan/scanner.js";

let markReady;
const ready = new Promise((resolve) => {
  markReady = resolve;
});
const decoder = wasmDecoder(markReady, (message) => console.error(message));
// The app as it was read frames with one view; a worker of its own keeps the two from sharing state.
let previousReady;
const previousDecoder = wasmDecoder(() => previousReady(), (message) => console.error(message));
const bothReady = Promise.all([ready, new Promise((resolve) => (previousReady = resolve))]);

// A seeded generator (mulberry32) and a table of standard normal values (Box–Muller), so a burst's
// noise is the same every run for the same seed.
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const NORMAL = (() => {
  const random = generator(7);
  const table = new Float32Array(1 << 16);
  for (let i = 0; i < table.length; i++) table[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return table;
})();

async function sceneOf(url) {
  const response = await fetch(url);
  const bitmap = await createImageBitmap(await response.blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** One camera frame of the scene: shifted by (dx, dy) and with sensor noise of `sigma` grey levels. */
function cameraFrame(scene, random, sigma) {
  const { width, height, data } = scene;
  const out = new ImageData(width, height);
  const dx = Math.floor(random() * 5) - 2;
  const dy = Math.floor(random() * 3) - 1;
  let n = Math.floor(random() * NORMAL.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - dy));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      const grey = data[(sy * width + sx) * 4] + sigma * NORMAL[n++ & 0xffff];
      const i = (y * width + x) * 4;
      out.data[i] = out.data[i + 1] = out.data[i + 2] = grey;
      out.data[i + 3] = 255;
    }
  }
  return out;
}

/** The frame a 640×480 request gave before: the same field of view with half the pixels across. */
async function previousFrame(frame) {
  const width = 640;
  const height = Math.round((frame.height * width) / frame.width);
  const bitmap = await createImageBitmap(frame, { resizeWidth: width, resizeHeight: height, resizeQuality: "medium" });
  return bitmap;
}

function summary(read, extra = {}) {
  return { text: read.text, raw: read.raw, format: read.format, frame: read.frame, view: read.view ?? null, sampling: read.sampling ?? null, lineCount: read.lineCount ?? null, ...extra };
}

async function burst(url, { frames = 3, still = false, seed = 1, before = true } = {}) {
  await bothReady;
  const scene = await sceneOf(url);
  const random = generator(seed);
  const read = createFrameReader(decoder, createConfirmer());
  const result = { accepted: [], found: [], previous: [], ms: [] };
  for (let f = 1; f <= frames; f++) {
    const frame = still ? scene : cameraFrame(scene, random, 3);
    const t0 = performance.now();
    const { found, accepted } = await read(frame);
    result.ms.push(performance.now() - t0);
    if (found) result.found.push(summary(found));
    if (accepted) result.accepted.push(summary(accepted));
    if (!before) continue;
    // Before: the whole 640 px frame, one scale, every read acted on.
    const previous = await previousDecoder.decode(await previousFrame(frame));
    if (previous) result.previous.push(summary({ ...previous, frame: f }));
  }
  return result;
}

window.misreads = { ready: bothReady, burst };
