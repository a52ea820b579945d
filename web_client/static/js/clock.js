// Clock sync: estimate the server's clock from ping/pong samples.
//
// Rules:
// - The client's own time is monotonic epoch milliseconds
//   (performance.timeOrigin + performance.now()), so a system clock change on
//   the participant's machine never makes the countdown jump.
// - Each pong gives a sample: the client's send and receive times and the
//   server's time. Assuming the server answered half-way through the round
//   trip, offset = serverTime - midpoint * rate.
// - Only the samples with the shortest round trips are trusted (the fastest
//   exchanges have the least queueing error): of the recent samples, those
//   within 1.5x (+1 ms) of the fastest one, at most three; the offset is their
//   median. A slow exchange never outvotes a fast one.
// - Recent means: the 16 latest samples, none older than 10 minutes of client
//   time, taken since the last discontinuity and at the current rate. Older
//   ones are dropped; when none is left the offset stays until the next one.
// - The monotonic clock stops while the machine sleeps or the tab is frozen,
//   so the true offset jumps by the whole pause. Every reading of the client
//   time also compares it with the wall clock (Date.now()): when wall minus
//   monotonic moves by more than 1 s since the last reading, that is a
//   discontinuity (noteDiscontinuity() declares one too). All samples are
//   dropped, an exchange begun before it is never used, and onDiscontinuity is
//   called (the connection pings at once): the first fresh sample decides the
//   offset on its own. A wall clock change merely costs the samples.
// - A snapshot's server time seeds the offset (a rough one-way estimate)
//   whenever no sample is held: before the first pong, after a discontinuity,
//   after a rate change, after every sample aged out.
// - The server may run a rehearsal clock `rate` times faster than real time:
//   server now = client now * rate + offset.

export const BEST_SAMPLES = 3;
export const KEPT_SAMPLES = 16;
export const MAX_SAMPLE_AGE_MS = 10 * 60 * 1000;
export const DISCONTINUITY_MS = 1000;

export function clientNow() {
  return performance.timeOrigin + performance.now();
}

export class ClockSync {
  // `now` is the monotonic client clock and `wallNow` the wall clock, both
  // epoch milliseconds; tests pass their own to simulate a sleep.
  constructor({
    now = clientNow,
    wallNow = () => Date.now(),
    maxAgeMs = MAX_SAMPLE_AGE_MS,
    discontinuityMs = DISCONTINUITY_MS,
    onDiscontinuity = null,
  } = {}) {
    this.monotonic = now;
    this.wallNow = wallNow;
    this.maxAgeMs = maxAgeMs;
    this.discontinuityMs = discontinuityMs;
    this.onDiscontinuity = onDiscontinuity;
    this.samples = [];
    this.rate = 1;
    this.offset = null;
    this.discontinuities = 0;
    // Client time from which exchanges may be used (the last discontinuity).
    this.usableFrom = -Infinity;
    this.lastSkew = null;
  }

  // The client time (monotonic), checking for a discontinuity on the way.
  now() {
    const at = this.monotonic();
    const skew = this.wallNow() - at;
    const jumped = this.lastSkew !== null && Math.abs(skew - this.lastSkew) > this.discontinuityMs;
    this.lastSkew = skew;
    if (jumped) this.discard(at);
    return at;
  }

  // Checks for a discontinuity now; true if there was one.
  check() {
    const before = this.discontinuities;
    this.now();
    return this.discontinuities !== before;
  }

  // Declares a discontinuity: every sample so far is dropped.
  noteDiscontinuity() {
    const at = this.monotonic();
    this.lastSkew = this.wallNow() - at;
    this.discard(at);
  }

  discard(at) {
    this.samples = [];
    this.usableFrom = at;
    this.discontinuities += 1;
    if (this.onDiscontinuity) this.onDiscontinuity();
  }

  // Drops the samples older than the maximum age.
  prune(at) {
    this.samples = this.samples.filter((sample) => sample.at >= at - this.maxAgeMs);
  }

  // A sample from one ping/pong exchange; returns the new offset estimate.
  addSample(sentAt, receivedAt, serverTime, rate = 1) {
    const at = this.now();
    if (rate !== this.rate) {
      this.rate = rate;
      this.samples = [];
    }
    this.prune(at);
    // The pause may have fallen inside this exchange: its server time is before or after it.
    if (sentAt < this.usableFrom) return this.offset;
    const roundTrip = Math.max(0, receivedAt - sentAt);
    const midpoint = sentAt + roundTrip / 2;
    this.samples.push({ roundTrip, offset: serverTime - midpoint * rate, at: receivedAt, skew: this.lastSkew });
    if (this.samples.length > KEPT_SAMPLES) this.samples.shift();
    const sorted = [...this.samples].sort((a, b) => a.roundTrip - b.roundTrip);
    const limit = sorted[0].roundTrip * 1.5 + 1;
    const best = sorted.filter((sample) => sample.roundTrip <= limit).slice(0, BEST_SAMPLES);
    const offsets = best.map((sample) => sample.offset).sort((a, b) => a - b);
    this.offset = offsets[Math.floor(offsets.length / 2)];
    return this.offset;
  }

  // A rough estimate from a snapshot's server time, used while no sample is held.
  seed(serverTime, rate = 1, receivedAt = this.now()) {
    const at = this.now();
    if (rate !== this.rate) {
      this.rate = rate;
      this.samples = [];
    }
    this.prune(at);
    if (this.offset === null || this.samples.length === 0) this.offset = serverTime - receivedAt * rate;
  }

  get minRoundTrip() {
    return this.samples.length ? Math.min(...this.samples.map((s) => s.roundTrip)) : null;
  }

  serverNow(at = this.now()) {
    return at * this.rate + (this.offset ?? 0);
  }

  // Real milliseconds until a server instant (for timers on this machine).
  realDelayUntil(serverInstant) {
    return (serverInstant - this.serverNow()) / this.rate;
  }
}
