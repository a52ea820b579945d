// The one-minute warning, whatever the clock's speed.
//
// Rules:
// - A phase's warning is given once, the first time its countdown is seen at or
//   below the protocol's warning threshold after having been seen above it in
//   the same phase. How far below does not matter: at a x60 rehearsal a
//   250 ms frame is 15 s of protocol time, so a narrow "just crossed" window
//   would skip warnings.
// - A page opened inside the last minute never saw the phase above the
//   threshold, so it stays quiet (nothing was crossed while it watched).
// - A countdown already at zero gives no warning: "time is up" says it.
// - Pure: the caller passes the phase's key, the time left and the threshold.

export class WarningWatch {
  constructor() {
    this.armed = new Set();
    this.given = new Set();
  }

  // True exactly when this phase's warning is due now.
  check(key, remainingMs, thresholdMs) {
    if (remainingMs === null || remainingMs === undefined || thresholdMs <= 0) return false;
    if (remainingMs > thresholdMs) {
      this.armed.add(key);
      return false;
    }
    if (!this.armed.has(key) || this.given.has(key)) return false;
    this.given.add(key);
    return remainingMs > 0;
  }
}
