// The signature pad at the door: signature_pad (npm, served from our own /vendor/, never a CDN) on a
// canvas sized to the screen's pixels, so a finger's line is sharp and the PNG stays small.
// Imported only when a driver opens a proof of delivery; its static import puts the library in the
// service worker's precache (server/web/precache.py follows static imports), so it works offline.

import SignaturePad from "/vendor/signature_pad/signature_pad.min.js";

/**
 * signaturePad(canvas, {onChange}) → {isEmpty(), clear(), toBlob() → Promise<PNG Blob>, fit(), destroy()}.
 * Call fit() once the canvas is on screen (and after the screen turns): it matches the drawing
 * buffer to the canvas's CSS size × devicePixelRatio, which clears it.
 */
export function signaturePad(canvas, { onChange = () => {} } = {}) {
  // A white background: the PNG reads as ink on paper wherever it is shown, dark mode included.
  const pad = new SignaturePad(canvas, { penColor: "#000", backgroundColor: "#fff", minWidth: 1, maxWidth: 3 });
  pad.addEventListener("endStroke", () => onChange(!pad.isEmpty()));

  function fit() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const width = canvas.offsetWidth;
    const height = canvas.offsetHeight;
    if (!width || !height) return;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear(); // the buffer was reset by the resize; the pad must know it is empty again
    onChange(false);
  }

  return {
    isEmpty: () => pad.isEmpty(),
    clear() {
      pad.clear();
      onChange(false);
    },
    toBlob: () => new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The signature could not be saved."))), "image/png")),
    fit,
    destroy: () => pad.off(),
  };
}
