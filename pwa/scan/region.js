// The region of interest: the centred part of a camera frame the decoder reads first, at the
// camera's full resolution, and the aiming box drawn over the preview where that region shows.
// Shared by the decode worker (what it crops) and the scanner panel (where it draws the box), so
// the box always matches what is decoded.

/** Frames whose longer side is at most this are read whole at full resolution, with no region first. */
export const WHOLE_FRAME_MAX_SIDE = 800;

/** The whole frame is also read, after the region, scaled so its longer side is at most this. */
export const DOWNSCALED_MAX_SIDE = 640;

/**
 * The samplings decoded frames take in turn: the pixels as they are, then stretched 1.25× across
 * and squeezed 0.8× down — the same number of pixels (so the same decode time), with every bar edge
 * of a linear code falling somewhere else. Two frames that agree at different samplings read the
 * bars twice differently even when the camera delivers the very same picture twice.
 */
export const SAMPLINGS = [
  { name: "1x1", x: 1, y: 1 },
  { name: "1.25x0.8", x: 1.25, y: 0.8 },
];

export function samplingNamed(name) {
  return SAMPLINGS.find((sampling) => sampling.name === name) ?? SAMPLINGS[0];
}

/**
 * regionOfInterest(width, height) → {x, y, width, height} in frame pixels (even numbers), or null
 * when the frame is small enough to be read whole. Landscape frames: 60% of the width, half the
 * height; portrait frames (a phone held upright): 90% of the width, a quarter of the height — wide
 * enough for a linear code held across the view, tall enough for a QR or Data Matrix.
 */
export function regionOfInterest(width, height) {
  if (Math.max(width, height) <= WHOLE_FRAME_MAX_SIDE) return null;
  return centredRegion(width, height);
}

/** The centred rectangle itself, whatever the frame's size (the aiming box of a frame read whole). */
export function centredRegion(width, height) {
  if (!(width > 0 && height > 0)) return null;
  const landscape = width >= height;
  const w = even(width * (landscape ? 0.6 : 0.9));
  const h = even(Math.min(height * (landscape ? 0.5 : 0.25), w * 0.75));
  return { x: even((width - w) / 2), y: even((height - h) / 2), width: w, height: h };
}

function even(value) {
  return Math.max(2, 2 * Math.round(value / 2));
}

/**
 * aimingBox(frame, region, view) → {left, top, width, height} in CSS pixels of the preview, for a
 * video shown with `object-fit: cover` in a view of `view.width` × `view.height`; the part of the
 * region outside the view is clipped.
 */
export function aimingBox(frame, region, view) {
  const scale = Math.max(view.width / frame.width, view.height / frame.height);
  const offsetX = (view.width - frame.width * scale) / 2;
  const offsetY = (view.height - frame.height * scale) / 2;
  const left = Math.max(0, offsetX + region.x * scale);
  const top = Math.max(0, offsetY + region.y * scale);
  const right = Math.min(view.width, offsetX + (region.x + region.width) * scale);
  const bottom = Math.min(view.height, offsetY + (region.y + region.height) * scale);
  return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

/** The whole frame's size once scaled to at most DOWNSCALED_MAX_SIDE on its longer side, then sampled. */
export function downscaledSize(width, height, sampling = SAMPLINGS[0]) {
  const factor = Math.min(1, DOWNSCALED_MAX_SIDE / Math.max(width, height));
  return { width: Math.max(2, Math.round(width * factor * sampling.x)), height: Math.max(2, Math.round(height * factor * sampling.y)) };
}
