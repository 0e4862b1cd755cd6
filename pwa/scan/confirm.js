// When a camera read may be acted on. A linear code (EAN/UPC, Code 128, ITF) carries at most one
// check digit: a blurred or glared frame can decode as another valid code, and the picker would be
// told she has the right item when she has not. So a linear read counts only when two decoded
// frames agree within a short window, and those two frames were decoded at different samplings
// (region.js's SAMPLINGS, in turn frame by frame): a still image played as a camera — every frame
// the same — then still gets two samplings of the symbol, not the same misread twice.
// QR and Data Matrix carry Reed–Solomon error correction: one frame is enough.
// A hardware scanner (wedge) and typed codes never come through here.

export const LINEAR_FORMATS = new Set(["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf"]);

/**
 * plausible(format, text) → false for a read that is most likely part of a code, not a code. ITF
 * has no start character a partial read cannot also show: glare across the middle of an ITF-14
 * leaves its right half, itself a valid ITF. Warehouses print ITF as ITF-14 (a GTIN-14 on the
 * carton), so an ITF read counts only with 14 digits and a right GS1 check digit.
 */
export function plausible(format, text) {
  if (format !== "itf") return true;
  if (!/^\d{14}$/.test(text)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(text[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(text[13]);
}

/** How long a first linear read waits for a second frame to agree (ms). */
export const CONFIRM_WINDOW_MS = 1000;

/**
 * createConfirmer({windowMs}) → {offer(read, now) → read | null, pending, reset()}.
 * `read` is what the decoder gave for one frame: {text, format, frame, sampling, …}; `frame` numbers
 * decoded frames (two reads of the same frame never confirm each other). offer() returns the read
 * to act on, with `confirmedBy` (the frames that agreed), or null while it waits for agreement.
 * A text once confirmed stays confirmed while it keeps being read (no gap longer than the window),
 * so a code held in view is not made to wait again on every frame.
 */
export function createConfirmer({ windowMs = CONFIRM_WINDOW_MS } = {}) {
  const candidates = new Map(); // text → [{frame, sampling, at}]
  const confirmed = new Map(); // text → last time it was read

  function forget(now) {
    for (const [text, reads] of candidates) {
      const kept = reads.filter((read) => now - read.at <= windowMs);
      if (kept.length) candidates.set(text, kept);
      else candidates.delete(text);
    }
    for (const [text, at] of confirmed) if (now - at > windowMs) confirmed.delete(text);
  }

  function offer(read, now = performance.now()) {
    if (!read || !read.text) return null;
    forget(now);
    if (!LINEAR_FORMATS.has(read.format)) return { ...read, confirmedBy: [read.frame] };
    if (confirmed.has(read.text)) {
      confirmed.set(read.text, now);
      return { ...read, confirmedBy: [read.frame] };
    }
    const reads = candidates.get(read.text) ?? [];
    const agreeing = reads.find((earlier) => earlier.frame !== read.frame && earlier.sampling !== read.sampling);
    if (agreeing) {
      candidates.delete(read.text);
      confirmed.set(read.text, now);
      return { ...read, confirmedBy: [agreeing.frame, read.frame] };
    }
    if (!reads.some((earlier) => earlier.frame === read.frame)) reads.push({ frame: read.frame, sampling: read.sampling, at: now });
    candidates.set(read.text, reads);
    return null;
  }

  return {
    offer,
    /** Linear texts read once and waiting for a second frame. */
    get pending() {
      return [...candidates.keys()];
    },
    reset() {
      candidates.clear();
      confirmed.clear();
    },
  };
}
