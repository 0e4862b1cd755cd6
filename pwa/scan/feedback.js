// What the picker hears, feels and sees after every scan. A warehouse is loud and the phone is often
// in a holster, so every outcome is given three ways: a tone, a vibration and a big coloured line.
// The error tone is low and doubled so it cannot be mistaken for the short high "ok" beep.

import { safeText } from "../dom.js";

const TONES = {
  ok: [{ hz: 1760, ms: 70 }],
  warn: [{ hz: 880, ms: 160 }],
  error: [{ hz: 220, ms: 170 }, { hz: 0, ms: 90 }, { hz: 196, ms: 220 }],
};

const VIBRATIONS = { ok: [40], warn: [80, 60, 80], error: [250, 100, 250] };

let audio = null;
const displays = new Set();

// Browsers allow sound only after a user gesture: the AudioContext is made (or resumed) on the first
// tap or key press, and stays ready for scans that arrive later without a gesture.
function unlockAudio() {
  const AudioContextClass = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (!AudioContextClass) return;
  try {
    audio ??= new AudioContextClass();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
}

if (typeof window !== "undefined") {
  for (const type of ["pointerdown", "keydown", "touchend"]) window.addEventListener(type, unlockAudio, { capture: true, passive: true });
}

function playTones(steps) {
  if (!audio || audio.state !== "running") return;
  let at = audio.currentTime + 0.01;
  for (const { hz, ms } of steps) {
    const seconds = ms / 1000;
    if (hz > 0) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = hz;
      // A short ramp at both ends avoids the click of a hard-edged square wave.
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.25, at + 0.005);
      gain.gain.setValueAtTime(0.25, at + seconds - 0.01);
      gain.gain.linearRampToValueAtTime(0, at + seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + seconds);
    }
    at += seconds;
  }
}

/**
 * Show feedback on a panel element (the scanner's result area) until the returned function is called.
 * The most recently registered panel gets the feedback.
 */
export function registerFeedbackDisplay(element) {
  displays.add(element);
  return () => displays.delete(element);
}

/** Tell the user how a scan went: kind is "ok" | "warn" | "error"; text is shown large. */
export function feedback(kind, text = "") {
  if (!(kind in TONES)) kind = "error";
  playTones(TONES[kind]);
  // Before the first tap Chrome refuses vibration (and logs an error each time): skip it until then.
  const activated = globalThis.navigator?.userActivation?.hasBeenActive ?? true;
  try {
    if (activated) globalThis.navigator?.vibrate?.(VIBRATIONS[kind]);
  } catch {
    // Some browsers throw when vibration is blocked (no user activation yet); sound and colour remain.
  }
  const display = [...displays].at(-1);
  if (!display) return;
  display.textContent = safeText(text); // it often quotes the scanned code
  display.dataset.kind = kind;
  // Two identical animations under different names: switching restarts the flash even when two
  // scans in a row have the same outcome, without forcing a layout.
  const next = display.dataset.flash === "a" ? "b" : "a";
  display.dataset.flash = next;
}
