// The camera decoder, off the UI thread: frames arrive as transferred ImageBitmaps (or ImageData),
// zxing-wasm reads them, and one small message per frame goes back. The wasm comes from our own
// server (/vendor/), never from the library's default CDN, so scanning works offline.
//
// Each frame is read in up to two views, the first that finds a code wins: the centred region of
// interest at the camera's full resolution (region.js; only for frames larger than 800 px), then the
// whole frame scaled down to 640 px. `sampling` (region.js's SAMPLINGS, in turn frame by frame in
// scanner.js) resamples both views, so two frames that agree on a linear code sampled it differently
// (confirm.js). The view that read the last code is tried first on the next frame: a code larger
// than the region is then not looked for in the region on every frame first.
//
// Messages in:  {id, image: ImageBitmap | ImageData, sampling?: "1x1" | "1.25x0.8"}
// Messages out: {type: "ready", ms, importMs, warmUpMs, warmUpText} once compiled and warmed up,
//               {type: "result", id, scan: {text, format, symbology, raw, ms, view, sampling, lineCount} | null, ms},
//               {type: "error", id, message}

import { plausible } from "./confirm.js";
import { downscaledSize, regionOfInterest, samplingNamed } from "./region.js";

const READER_URL = "/vendor/zxing-wasm/es/reader/index.js";
const WASM_URL = "/vendor/zxing-wasm/reader/zxing_reader.wasm";

// The 1 MB wasm starts downloading and compiling at once, while the reader's JS is still being
// fetched (a static import would run this file only after it): the two overlap instead of queueing.
const started = performance.now();
const wasmModule = WebAssembly.compileStreaming(fetch(WASM_URL)).catch(() =>
  fetch(WASM_URL)
    .then((response) => response.arrayBuffer())
    .then((bytes) => WebAssembly.compile(bytes)),
);
// No top-level await: the message listener below must be in place before the first frame arrives
// (messages sent while a module worker is still awaiting are dispatched to no one).
let readBarcodes = null;
let importMs = null;

// Only what a warehouse meets: every extra format costs time on every frame. ITF covers ITF-14.
const READER_OPTIONS = {
  formats: ["EAN13", "EAN8", "UPCA", "UPCE", "Code128", "ITF", "QRCode", "DataMatrix"],
  // Plain keeps GS1's GS separators; the library's default (HRI) would rewrite them as "(10)…".
  textMode: "Plain",
  maxNumberOfSymbols: 1,
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
  tryDownscale: true,
};

// zxing-wasm's format names → the BarcodeDetector API's, so both decode paths report alike.
const FORMAT_NAMES = {
  EAN13: "ean_13",
  EAN8: "ean_8",
  UPCA: "upc_a",
  UPCE: "upc_e",
  Code128: "code_128",
  ITF: "itf",
  ITF14: "itf",
  QRCode: "qr_code",
  DataMatrix: "data_matrix",
};

let warmUpMs = null;
let warmUpText = null;
let canvas = null;
let context = null;

// The library waits forever if instantiateWasm never answers; a failure must end the wait instead.
let failInstantiate;
const instantiateFailed = new Promise((_, reject) => {
  failInstantiate = reject;
});

// Both overrides point at our server: instantiateWasm hands over the module compiled above, and
// locateFile keeps any other path the library might take off its default CDN.
const loading = import(READER_URL)
  .then((reader) => {
    importMs = performance.now() - started;
    readBarcodes = reader.readBarcodes;
    return reader.prepareZXingModule({
      overrides: {
        locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path),
        instantiateWasm(imports, receiveInstance) {
          wasmModule
            .then((module) => WebAssembly.instantiate(module, imports).then((instance) => receiveInstance(instance, module)))
            .catch(failInstantiate);
          return {};
        },
      },
      fireImmediately: true,
    });
  })
  .then(warmUp);

const ready = Promise.race([loading, instantiateFailed]).then(
  () => self.postMessage({ type: "ready", ms: performance.now() - started, importMs, warmUpMs, warmUpText }),
  (problem) => {
    self.postMessage({ type: "error", id: null, message: `decoder failed to load: ${problem?.message ?? problem}` });
    throw problem;
  },
);
ready.catch(() => {}); // reported above; each frame then gets its own error reply

// The first read pays for allocations and for the wasm code's tier-up. Pay it while the camera
// starts, on a real barcode (an EAN-13 drawn here), so the decode path itself is exercised: a
// blank or striped frame makes the reader try everything and warms the wrong code.
const EAN_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"];
const EAN_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"];
const invert = (bits) => bits.replace(/[01]/g, (b) => (b === "0" ? "1" : "0"));

function ean13Modules(digits) {
  const parity = EAN_PARITY[digits[0]];
  let modules = "101";
  for (let i = 1; i <= 6; i++) {
    const l = EAN_L[digits[i]];
    modules += parity[i - 1] === "L" ? l : [...invert(l)].reverse().join("");
  }
  modules += "01010";
  for (let i = 7; i <= 12; i++) modules += invert(EAN_L[digits[i]]);
  return modules + "101";
}

async function warmUp() {
  const t0 = performance.now();
  const modules = ean13Modules("4006381333931");
  const scale = 2;
  const width = (modules.length + 20) * scale;
  const height = 80;
  const pixels = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = 10; y < height - 10; y++) {
    for (let m = 0; m < modules.length; m++) {
      if (modules[m] === "1") pixels.fill(0, (y * width + (m + 10) * scale) * 4, (y * width + (m + 11) * scale) * 4);
    }
  }
  for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255;
  const [found] = await readBarcodes(new ImageData(pixels, width, height), READER_OPTIONS);
  warmUpMs = performance.now() - t0;
  warmUpText = found?.text ?? null;
}

/** The pixels of `source` (x, y, width, height of the bitmap) drawn at `width` × `height`. */
function pixelsOf(bitmap, source, width, height) {
  if (!canvas || canvas.width !== width || canvas.height !== height) {
    canvas = new OffscreenCanvas(width, height);
    context = canvas.getContext("2d", { willReadFrequently: true });
  }
  context.imageSmoothingQuality = "low"; // bilinear: the stretched sampling costs least this way
  context.drawImage(bitmap, source.x, source.y, source.width, source.height, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

/** The views of one frame, in the order they are read. */
let lastView = "region"; // the view that read the last code

function views(width, height, sampling) {
  const list = [];
  const region = regionOfInterest(width, height);
  if (region) list.push({ name: "region", source: region, width: Math.round(region.width * sampling.x), height: Math.round(region.height * sampling.y) });
  list.push({ name: "frame", source: { x: 0, y: 0, width, height }, ...downscaledSize(width, height, sampling) });
  if (lastView === "frame") list.reverse();
  return list;
}

async function decode(image, sampling) {
  const t0 = performance.now();
  const { width, height } = image;
  const plan = views(width, height, sampling);
  // An ImageData already of the one view's size is read as it is; anything else is drawn.
  const direct = image instanceof ImageData && plan.length === 1 && plan[0].width === width && plan[0].height === height;
  const bitmap = direct ? null : image instanceof ImageData ? await createImageBitmap(image) : image;
  try {
    for (const view of plan) {
      const pixels = direct ? image : pixelsOf(bitmap, view.source, view.width, view.height);
      const [found] = await readBarcodes(pixels, READER_OPTIONS);
      if (!found || !found.isValid) continue;
      const format = FORMAT_NAMES[found.format] ?? String(found.format).toLowerCase();
      if (!plausible(format, found.text)) continue;
      const symbology = found.symbologyIdentifier || null;
      const ms = performance.now() - t0;
      lastView = view.name;
      const scan = {
        text: (symbology ?? "") + found.text,
        raw: found.text,
        format,
        symbology,
        ms,
        view: view.name,
        sampling: sampling.name,
        lineCount: found.lineCount ?? null,
      };
      return { scan, ms };
    }
    return { scan: null, ms: performance.now() - t0 };
  } finally {
    bitmap?.close?.();
  }
}

self.addEventListener("message", async ({ data }) => {
  const { id, image, sampling } = data ?? {};
  try {
    await ready;
    const { scan, ms } = await decode(image, samplingNamed(sampling));
    self.postMessage({ type: "result", id, scan, ms });
  } catch (problem) {
    image?.close?.();
    self.postMessage({ type: "error", id, message: String(problem?.message ?? problem) });
  }
});
