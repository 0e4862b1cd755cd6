// A standalone page with the "Scan test" screen and no login: the camera tests and the decode
// benchmark open it. Query parameters:
//   dup=<ms>    duplicate window (0 gives feedback on every decoded frame, for the benchmark)
//   open=1      open the camera as soon as the page has loaded (cold-start measurement)
// Every timing is collected in window.scanBench (performance.now() milliseconds).

import { scanScreen } from "../screens/scan.js";

const params = new URLSearchParams(location.search);
const screen = scanScreen();
const bench = {
  moduleLoadedAt: performance.now(),
  openCalledAt: null,
  cameraReadyAt: null,
  decoderReadyAt: null,
  decoderKind: null,
  workerLoadMs: null,
  warmUpMs: null,
  warmUpText: null, // what the worker's warm-up read from its own drawn EAN-13
  openError: null,
  feedback: [], // {grabbedAt, decodedAt, shownAt, decodeMs, text, source}
  unconfirmed: [], // linear reads held for a second frame: {text, frame, grabbedAt, at}
  frameSize: null, // the camera's frame at the last feedback, "1280x720"
};
window.scanBench = bench;

document.title = `${screen.title} · Shipshape`;
document.getElementById("main").replaceChildren(screen.root);

if (params.has("dup")) screen.scanner.setDuplicateWindow(Number(params.get("dup")));

screen.scanner.element.addEventListener("scanner-camera-ready", ({ detail }) => {
  bench.cameraReadyAt ??= detail.at;
  bench.decoderKind = detail.decoder;
});
screen.scanner.element.addEventListener("scanner-decoder-ready", ({ detail }) => {
  bench.decoderReadyAt ??= detail.at;
  bench.workerLoadMs ??= detail.ms ?? null;
  bench.warmUpMs ??= detail.warmUpMs ?? null;
  bench.warmUpText ??= detail.warmUpText ?? null;
});
screen.scanner.element.addEventListener("scanner-unconfirmed", ({ detail }) => {
  bench.unconfirmed.push({ text: detail.text, frame: detail.frame, grabbedAt: detail.grabbedAt, at: detail.at });
});
screen.root.addEventListener("scan-feedback", ({ detail }) => {
  const { scan, shownAt } = detail;
  const video = screen.root.querySelector("video");
  if (video?.videoWidth) bench.frameSize = `${video.videoWidth}x${video.videoHeight}`;
  const entry = {
    grabbedAt: scan.grabbedAt ?? null,
    decodedAt: scan.decodedAt ?? null,
    shownAt, // the feedback is in the DOM and the tone is scheduled
    paintedAt: null, // the next rendering step starts (the flash is painted right after)
    decodeMs: scan.ms ?? null,
    text: scan.text,
    source: scan.source,
  };
  bench.feedback.push(entry);
  requestAnimationFrame(() => {
    entry.paintedAt = performance.now();
  });
});

if (params.get("open") === "1") {
  bench.openCalledAt = performance.now();
  screen.scanner.openCamera().catch((problem) => {
    bench.openError = `${problem?.name ?? "Error"}: ${problem?.message ?? problem}`;
  });
}
