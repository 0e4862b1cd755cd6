// Proof-of-delivery photos made small on the phone, before they are kept (pwa/attachments.js): a
// camera frame is megabytes, the server takes 300 KB, and a driver's upload may be a weak signal at
// a door. The plan of attempts (JPEG quality first, then smaller pictures) is pure, so node tests it;
// the canvas part below it is kept thin because only a browser can run it.

const START_QUALITY = 0.85;
const QUALITY_STEP = 0.1;
const MIN_QUALITY = 0.55; // below this a label or a house number in the photo stops being legible
const SCALE_STEP = 0.8;
const MIN_SCALE = 0.25; // of the picture fitted to maxSide: 1600 px → 400 px, the least still worth keeping

export const FIRST_ATTEMPT = Object.freeze({ quality: START_QUALITY, scale: 1 });

/**
 * The attempt after one that encoded to `size` bytes, still over `maxBytes` → {quality, scale}, or
 * null when there is none left. Quality steps down first (cheap, keeps detail), then the picture
 * shrinks by 0.8 a step — or by more when the overshoot says 0.8 cannot be enough, since a JPEG's
 * size follows its pixel count.
 */
export function nextAttempt({ quality, scale }, size, maxBytes) {
  if (quality - QUALITY_STEP >= MIN_QUALITY - 1e-9) return { quality: round(quality - QUALITY_STEP), scale };
  const needed = Math.sqrt(maxBytes / size);
  const next = scale * Math.min(SCALE_STEP, needed);
  if (next < MIN_SCALE - 1e-9) return null;
  return { quality, scale: round(next) };
}

/** The size a picture is drawn at for `scale`: longer side at most maxSide, never enlarged. */
export function fittedSize(width, height, maxSide, scale = 1) {
  const fit = Math.min(1, maxSide / Math.max(width, height)) * scale;
  return { width: Math.max(1, Math.round(width * fit)), height: Math.max(1, Math.round(height * fit)) };
}

/**
 * Encode until the result fits: `encode(width, height, quality)` → Blob, called with each planned
 * attempt in turn. Throws when even the last attempt is over maxBytes.
 */
export async function shrinkToFit(encode, { width, height }, { maxSide = 1600, maxBytes = 307_200 } = {}) {
  let attempt = FIRST_ATTEMPT;
  for (;;) {
    const size = fittedSize(width, height, maxSide, attempt.scale);
    const blob = await encode(size.width, size.height, attempt.quality);
    if (blob.size <= maxBytes) return blob;
    const next = nextAttempt(attempt, blob.size, maxBytes);
    if (!next) {
      throw new Error(`The photo cannot be made smaller than ${Math.round(maxBytes / 1024)} KB (still ${Math.round(blob.size / 1024)} KB); take it again.`);
    }
    attempt = next;
  }
}

/**
 * resizePhoto(ImageBitmap | HTMLVideoElement | HTMLCanvasElement | Blob) → an image/jpeg Blob of at
 * most maxBytes, its longer side at most maxSide. A Blob is decoded with its EXIF orientation applied.
 */
export async function resizePhoto(source, { maxSide = 1600, maxBytes = 307_200 } = {}) {
  const image = source instanceof Blob ? await createImageBitmap(source, { imageOrientation: "from-image" }) : source;
  try {
    const video = "videoWidth" in image; // a <video>'s width and height are its size on the page
    const width = video ? image.videoWidth : image.width;
    const height = video ? image.videoHeight : image.height;
    if (!width || !height) throw new Error("The camera has no picture yet; try again.");
    let canvas = null;
    const encode = async (w, h, quality) => {
      if (!canvas || canvas.width !== w || canvas.height !== h) {
        canvas = makeCanvas(w, h);
        const context = canvas.getContext("2d");
        context.imageSmoothingQuality = "high";
        context.drawImage(image, 0, 0, w, h);
      }
      const blob = await toJpeg(canvas, quality);
      // A browser without a JPEG encoder hands back a PNG: far too large, and not what we say it is.
      if (blob?.type !== "image/jpeg") throw new Error("This browser cannot save photos as JPEG.");
      return blob;
    };
    return await shrinkToFit(encode, { width, height }, { maxSide, maxBytes });
  } finally {
    if (image !== source) image.close?.();
  }
}

/** The current frame of a playing <video> on a canvas of the video's own size. */
export function grabFrame(video) {
  if (!video.videoWidth || !video.videoHeight) throw new Error("The camera has no picture yet; try again.");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return canvas;
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function toJpeg(canvas, quality) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality });
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
}

function round(value) {
  return Math.round(value * 1000) / 1000;
}
