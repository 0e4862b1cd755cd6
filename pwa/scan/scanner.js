// The scanner panel a screen places in its layout: the camera preview with its Camera and Torch
// buttons, the big line that shows how the last scan went, a "Type a code" field for when nothing
// else works, and — page-wide — the keyboard-wedge listener for hardware scanners.
//
// Decoding: the native BarcodeDetector where the browser has one with our formats (Chrome on
// Android), otherwise zxing-wasm in a Web Worker. Neither is loaded until the camera first opens,
// so screens that never scan never download the 1 MB decoder.
//
// The camera is asked for up to 1280×720; the worker reads the centred region under the aiming box
// at that full resolution first, then the whole frame scaled down (region.js). Decoded frames
// alternate between two samplings, and a linear code is acted on only when two frames at different
// samplings agree (confirm.js); QR and Data Matrix act on one frame.

import { h } from "../dom.js";
import { createConfirmer, plausible } from "./confirm.js";
import { registerFeedbackDisplay } from "./feedback.js";
import { aimingBox, centredRegion, regionOfInterest, SAMPLINGS } from "./region.js";
import { listenForWedge } from "./wedge.js";

const NATIVE_FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf", "qr_code", "data_matrix"];


/** The camera resolution asked for: the most the decoder reads within its time budget. */
export const CAMERA_IDEAL = { width: 1280, height: 720 };

// How long the camera may lack a decoder reply before the frame is given up (a crashed worker must
// not stop the loop for good).
const FRAME_TIMEOUT_MS = 2000;

/** A worker-backed decoder: decode(source, {sampling}) → Promise<scan | null>, one call at a time. */
export function wasmDecoder(onReady = () => {}, onProblem = () => {}) {
  const worker = new Worker(new URL("./decode-worker.js", import.meta.url), { type: "module", name: "barcode-decoder" });
  let nextId = 1;
  const waiting = new Map();
  worker.addEventListener("message", ({ data }) => {
    if (data.type === "ready") {
      onReady(data);
      return;
    }
    if (data.type === "error" && data.id === null) {
      onProblem(data.message);
      return;
    }
    const settle = waiting.get(data.id);
    if (!settle) return;
    waiting.delete(data.id);
    settle(data.type === "result" ? data.scan : null);
  });
  worker.addEventListener("error", (event) => onProblem(`decoder failed: ${event.message || "worker error"}`));
  return {
    kind: "wasm",
    decode(source, { sampling = SAMPLINGS[0] } = {}) {
      return createImageBitmap(source).then(
        (bitmap) =>
          new Promise((resolve) => {
            const id = nextId++;
            waiting.set(id, resolve);
            worker.postMessage({ id, image: bitmap, sampling: sampling.name }, [bitmap]);
            setTimeout(() => waiting.delete(id) && resolve(null), FRAME_TIMEOUT_MS);
          }),
      );
    },
    close() {
      worker.terminate();
      for (const settle of waiting.values()) settle(null);
      waiting.clear();
    },
  };
}

async function nativeDecoder() {
  const Detector = globalThis.BarcodeDetector;
  if (typeof Detector !== "function") return null;
  try {
    const supported = await Detector.getSupportedFormats();
    if (!NATIVE_FORMATS.every((format) => supported.includes(format))) return null;
    const detector = new Detector({ formats: NATIVE_FORMATS });
    return {
      kind: "native",
      async decode(video, { sampling = SAMPLINGS[0] } = {}) {
        const t0 = performance.now();
        let source = video;
        if (sampling.x !== 1 || sampling.y !== 1) {
          const width = Math.max(2, Math.round((video.videoWidth || video.width) * sampling.x));
          const height = Math.max(2, Math.round((video.videoHeight || video.height) * sampling.y));
          source = await createImageBitmap(video, { resizeWidth: width, resizeHeight: height, resizeQuality: "medium" });
        }
        try {
          const [found] = await detector.detect(source);
          if (!found || !plausible(found.format, found.rawValue)) return null;
          // The native API gives no symbology identifier: the text is the raw value, and the
          // interpreter recognises GS1 from its content.
          return { text: found.rawValue, raw: found.rawValue, format: found.format, symbology: null, ms: performance.now() - t0, view: "frame", sampling: sampling.name };
        } finally {
          if (source !== video) source.close();
        }
      },
      close() {},
    };
  } catch {
    return null;
  }
}

/**
 * createFrameReader(decoder, confirmer) → read(source) → Promise<{found, accepted}>: one camera
 * frame decoded at the next sampling in turn, and what the confirmer lets through (null while a
 * linear code waits for a second frame to agree). The scanner's frame loop and the misread tests
 * both read frames through this.
 */
export function createFrameReader(decoder, confirmer = createConfirmer()) {
  let frame = 0;
  return async function read(source) {
    frame += 1;
    const sampling = SAMPLINGS[(frame - 1) % SAMPLINGS.length];
    const found = await decoder.decode(source, { sampling });
    if (!found) return { found: null, accepted: null };
    const read = { ...found, frame, sampling: found.sampling ?? sampling.name };
    return { found: read, accepted: confirmer.offer(read) };
  };
}

/** "]C1…" etc. → a label a person recognises ("GS1-128", "ITF-14", "UPC-A"). */
export function formatLabel(format, symbology = null, raw = "") {
  const gs1 = symbology === "]C1" || symbology === "]d2" || symbology === "]Q3";
  switch (format) {
    case "ean_13":
      return raw.length === 13 && raw.startsWith("0") ? "UPC-A" : "EAN-13";
    case "ean_8":
      return "EAN-8";
    case "upc_a":
      return "UPC-A";
    case "upc_e":
      return "UPC-E";
    case "code_128":
      return gs1 ? "GS1-128" : "Code 128";
    case "itf":
      return raw.length === 14 ? "ITF-14" : "ITF";
    case "qr_code":
      return gs1 ? "GS1 QR Code" : "QR Code";
    case "data_matrix":
      return gs1 ? "GS1 DataMatrix" : "Data Matrix";
    default:
      return format ?? "";
  }
}

/**
 * createScanner({onScan, duplicateWindowMs, wedge}) → {element, openCamera, closeCamera, destroy,
 * isCameraOpen, setDuplicateWindow}. onScan({text, format, symbology, source, at, ...}) is called
 * once per new code; the same camera text again within duplicateWindowMs of its last sighting is
 * ignored (a keyboard-wedge read never is: each trigger pull is meant).
 */
export function createScanner({ onScan, duplicateWindowMs = 1500, wedge = true } = {}) {
  let windowMs = duplicateWindowMs;
  let stream = null;
  let track = null;
  let decoder = null; // made on the first openCamera and kept until destroy
  let decoderLoading = null;
  let decoderProblem = null;
  let opening = null;
  let frameHandle = null;
  let busy = false;
  let torchOn = false;
  let reopenWhenVisible = false;
  let destroyed = false;
  let generation = 0; // bumped by every stop, so an open still in progress knows it was cancelled
  const lastSeen = new Map(); // camera text → time it was last seen
  const confirmer = createConfirmer();
  let readFrame = null; // createFrameReader(decoder, confirmer) once the decoder is there
  let focusTimer = null;

  const video = h("video.scanner-video", { playsinline: true, muted: true, autoplay: true, "aria-label": "Camera preview" });
  video.muted = true;
  // Where the decoder looks first (region.js), drawn over the preview; a tap focuses there.
  const aim = h("div.scanner-aim", { "aria-hidden": "true", "data-testid": "aiming-box", hidden: true });
  const focusRing = h("div.scanner-focus", { "aria-hidden": "true", hidden: true });
  const status = h("p.scanner-status", { role: "status" }, "Camera is off. Scan with a hardware scanner, or open the camera.");
  const cameraButton = h("button.primary.scanner-camera", { type: "button", "aria-pressed": "false", onclick: () => (isOpen() ? closeCamera() : openCamera()) }, "Camera");
  const torchButton = h("button.secondary.scanner-torch", { type: "button", "aria-pressed": "false", hidden: true, onclick: toggleTorch }, "Torch");
  const display = h("p.scan-display", { "aria-live": "polite", "data-testid": "scan-display" }, "Ready to scan");
  const manualInput = h("input.scanner-manual-input", {
    type: "text",
    name: "manual-code",
    id: `manual-code-${Math.random().toString(36).slice(2, 8)}`,
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    enterkeyhint: "done",
  });
  const manualForm = h(
    "form.scanner-manual",
    { onsubmit: submitManual },
    h("label", { for: manualInput.id }, "Type a code"),
    h("div.scanner-manual-row", manualInput, h("button.secondary", { type: "submit" }, "Enter")),
  );
  const preview = h("div.scanner-preview", { onclick: focusAt }, video, aim, focusRing);
  const element = h(
    "section.scanner",
    { "aria-label": "Scanner", "data-camera": "off" },
    preview,
    h("div.scanner-controls", cameraButton, torchButton),
    status,
    display,
    manualForm,
  );
  const unregisterDisplay = registerFeedbackDisplay(display);
  const stopWedge = wedge ? listenForWedge((text, timing) => deliver({ text, format: null, symbology: null, source: "wedge", grabbedAt: timing.startedAt })) : () => {};
  document.addEventListener("visibilitychange", onVisibility);
  video.addEventListener("loadedmetadata", placeAim);
  video.addEventListener("resize", placeAim);
  const previewSize = typeof ResizeObserver === "function" ? new ResizeObserver(placeAim) : null;
  previewSize?.observe(preview);

  function isOpen() {
    return stream !== null;
  }

  function emit(name, detail = {}) {
    element.dispatchEvent(new CustomEvent(name, { detail: { at: performance.now(), ...detail } }));
  }

  function deliver(scan) {
    const now = performance.now();
    // A camera sees a code many times a second while it is in view: one scan per sighting. A
    // hardware scanner's read is a trigger pull on purpose (scanning each unit of the same item is
    // normal), so wedge reads are never dropped as duplicates.
    if (scan.source === "camera") {
      const seen = lastSeen.get(scan.text);
      lastSeen.set(scan.text, now);
      if (seen !== undefined && now - seen < windowMs) return;
    }
    for (const [text, at] of lastSeen) if (now - at > Math.max(windowMs, 1000) * 4) lastSeen.delete(text);
    onScan?.({ ...scan, at: new Date().toISOString() });
  }

  function submitManual(event) {
    event.preventDefault();
    const text = manualInput.value.trim();
    if (!text) return;
    manualInput.value = "";
    // Typed on purpose: never suppressed as a duplicate.
    onScan?.({ text, format: null, symbology: null, source: "manual", at: new Date().toISOString(), grabbedAt: performance.now() });
  }

  function loadDecoder() {
    decoderLoading ??= (async () => {
      const native = await nativeDecoder();
      if (native) {
        emit("scanner-decoder-ready", { kind: "native" });
        return native;
      }
      return wasmDecoder(
        ({ type: _type, ...timing }) => emit("scanner-decoder-ready", { kind: "wasm", ...timing }),
        (message) => {
          decoderProblem = `The barcode decoder could not start (${message}). Use a hardware scanner or type the code.`;
          status.textContent = decoderProblem;
        },
      );
    })();
    return decoderLoading;
  }

  /** Open the camera (and, the first time, load the decoder alongside it). */
  async function openCamera() {
    if (destroyed) throw new Error("scanner destroyed");
    if (isOpen()) return;
    opening ??= (async () => {
      const myGeneration = generation;
      cameraButton.disabled = true;
      status.textContent = "Opening the camera…";
      try {
        const decoderPromise = loadDecoder();
        const media = await navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: { ideal: "environment" }, width: { ideal: CAMERA_IDEAL.width }, height: { ideal: CAMERA_IDEAL.height } },
        });
        if (destroyed || generation !== myGeneration) {
          // Closed (or the page hidden) while the browser was still opening the camera.
          media.getTracks().forEach((t) => t.stop());
          return;
        }
        stream = media;
        [track] = stream.getVideoTracks();
        video.srcObject = stream;
        await video.play().catch(() => {});
        decoder = await decoderPromise;
        readFrame = createFrameReader(decoder, confirmer);
        showTorch();
        focusContinuously();
        placeAim();
        element.dataset.camera = "on";
        cameraButton.setAttribute("aria-pressed", "true");
        status.textContent = decoderProblem ?? "Point the camera at a barcode.";
        emit("scanner-camera-ready", { decoder: decoder.kind });
        scheduleFrame();
      } catch (problem) {
        stopStream();
        status.textContent = cameraProblem(problem);
        throw problem;
      } finally {
        cameraButton.disabled = false;
        opening = null;
      }
    })();
    return opening;
  }

  function cameraProblem(problem) {
    if (problem?.name === "NotAllowedError") return "Camera access was refused. Allow it in the browser's site settings, or use a hardware scanner.";
    if (problem?.name === "NotFoundError") return "No camera found. Use a hardware scanner or type the code.";
    return `The camera could not start: ${problem?.message ?? problem}`;
  }

  function scheduleFrame() {
    if (!isOpen()) return;
    frameHandle = "requestVideoFrameCallback" in video ? { video: video.requestVideoFrameCallback(onFrame) } : { raf: requestAnimationFrame(onFrame) };
  }

  // One frame in flight at most: frames arriving while the decoder is busy are skipped, so a slow
  // phone falls behind by frames, never by a growing queue.
  function onFrame() {
    frameHandle = null;
    scheduleFrame();
    if (busy || !readFrame || video.readyState < 2) return;
    busy = true;
    const grabbedAt = performance.now();
    readFrame(video)
      .then(({ found, accepted }) => {
        if (!isOpen()) return;
        // A linear code read once waits for a second frame: the box shows it has been seen.
        aim.dataset.state = accepted ? "read" : found ? "checking" : "";
        if (accepted) deliver({ ...accepted, source: "camera", grabbedAt, decodedAt: performance.now() });
        else if (found) emit("scanner-unconfirmed", { text: found.text, format: found.format, frame: found.frame, grabbedAt });
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }

  /** The aiming box over the part of the preview where the decoder's region of interest shows. */
  function placeAim() {
    const frame = { width: video.videoWidth, height: video.videoHeight };
    const view = { width: preview.clientWidth, height: preview.clientHeight };
    if (!isOpen() || !frame.width || !view.width) {
      aim.hidden = true;
      return;
    }
    // A frame small enough to be read whole has no region: the box is then only a guide, of the
    // same shape as the region of a larger frame.
    const region = regionOfInterest(frame.width, frame.height);
    const box = aimingBox(frame, region ?? centredRegion(frame.width, frame.height), view);
    Object.assign(aim.style, { left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, height: `${box.height}px` });
    aim.dataset.region = region ? `${region.x},${region.y},${region.width},${region.height}` : "whole-frame";
    aim.dataset.frame = `${frame.width}x${frame.height}`;
    aim.hidden = false;
  }

  function capabilities() {
    return track?.getCapabilities?.() ?? {};
  }

  /** Continuous autofocus where the camera has it (most phone rear cameras; never a laptop's). */
  function focusContinuously() {
    const modes = capabilities().focusMode ?? [];
    if (!modes.includes("continuous")) return;
    track.applyConstraints({ advanced: [{ focusMode: "continuous" }] }).catch(() => {});
  }

  /** Tap to focus: focus once on the tapped point, then back to continuous focus. */
  function focusAt(event) {
    if (!track) return;
    const caps = capabilities();
    const modes = caps.focusMode ?? [];
    const canPoint = "pointsOfInterest" in caps;
    if (!canPoint && !modes.includes("single-shot")) return;
    const rect = preview.getBoundingClientRect();
    const frame = { width: video.videoWidth || rect.width, height: video.videoHeight || rect.height };
    const scale = Math.max(rect.width / frame.width, rect.height / frame.height);
    const x = (event.clientX - rect.left - (rect.width - frame.width * scale) / 2) / (frame.width * scale);
    const y = (event.clientY - rect.top - (rect.height - frame.height * scale) / 2) / (frame.height * scale);
    const point = { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) };
    const constraint = {};
    if (canPoint) constraint.pointsOfInterest = [point];
    if (modes.includes("single-shot")) constraint.focusMode = "single-shot";
    Object.assign(focusRing.style, { left: `${event.clientX - rect.left}px`, top: `${event.clientY - rect.top}px` });
    focusRing.hidden = false;
    track
      .applyConstraints({ advanced: [constraint] })
      .then(() => emit("scanner-focus", { point, constraint }))
      .catch(() => {});
    clearTimeout(focusTimer);
    focusTimer = setTimeout(() => {
      focusRing.hidden = true;
      if (track) focusContinuously();
    }, 1500);
  }

  function showTorch() {
    const capabilities = track?.getCapabilities?.() ?? {};
    torchButton.hidden = !capabilities.torch;
    torchOn = false;
    torchButton.setAttribute("aria-pressed", "false");
  }

  async function toggleTorch() {
    if (!track) return;
    try {
      await track.applyConstraints({ advanced: [{ torch: !torchOn }] });
      torchOn = !torchOn;
      torchButton.setAttribute("aria-pressed", String(torchOn));
    } catch {
      torchButton.hidden = true;
    }
  }

  function stopStream() {
    generation += 1;
    if (frameHandle?.video !== undefined) video.cancelVideoFrameCallback(frameHandle.video);
    if (frameHandle?.raf !== undefined) cancelAnimationFrame(frameHandle.raf);
    frameHandle = null;
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    track = null;
    video.srcObject = null;
    torchButton.hidden = true;
    aim.hidden = true;
    focusRing.hidden = true;
    clearTimeout(focusTimer);
    confirmer.reset();
    element.dataset.camera = "off";
    cameraButton.setAttribute("aria-pressed", "false");
  }

  /** Stop the camera (the decoder stays loaded for the next open). */
  function closeCamera() {
    reopenWhenVisible = false;
    const wasOpen = isOpen();
    stopStream();
    if (wasOpen || opening) status.textContent = "Camera is off.";
  }

  // A hidden page must not hold the camera; it comes back when the picker returns.
  function onVisibility() {
    if (document.hidden) {
      if (isOpen()) {
        stopStream();
        reopenWhenVisible = true;
      }
    } else if (reopenWhenVisible) {
      reopenWhenVisible = false;
      openCamera().catch(() => {});
    }
  }

  /** Stop everything: camera, decoder, wedge listener. */
  function destroy() {
    if (destroyed) return;
    destroyed = true;
    closeCamera();
    stopWedge();
    unregisterDisplay();
    document.removeEventListener("visibilitychange", onVisibility);
    previewSize?.disconnect();
    decoderLoading?.then((d) => d.close()).catch(() => {});
  }

  return {
    element,
    openCamera,
    closeCamera,
    destroy,
    get isCameraOpen() {
      return isOpen();
    },
    setDuplicateWindow(ms) {
      windowMs = Math.max(0, Number(ms) || 0);
    },
    get decoderKind() {
      return decoder?.kind ?? null;
    },
  };
}
