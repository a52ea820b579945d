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
// - The server may run a rehearsal clock `rate` times faster than real time:
//   server now = client now * rate + offset.

export const BEST_SAMPLES = 3;
export const KEPT_SAMPLES = 16;

export function clientNow() {
  return performance.timeOrigin + performance.now();
}

export class ClockSync {
  constructor() {
    this.samples = [];
    this.rate = 1;
    this.offset = null;
  }

  // A sample from one ping/pong exchange; returns the new offset estimate.
  addSample(sentAt, receivedAt, serverTime, rate = 1) {
    if (rate !== this.rate) {
      this.rate = rate;
      this.samples = [];
    }
    const roundTrip = Math.max(0, receivedAt - sentAt);
    const midpoint = sentAt + roundTrip / 2;
    this.samples.push({ roundTrip, offset: serverTime - midpoint * rate });
    if (this.samples.length > KEPT_SAMPLES) this.samples.shift();
    const sorted = [...this.samples].sort((a, b) => a.roundTrip - b.roundTrip);
    const limit = sorted[0].roundTrip * 1.5 + 1;
    const best = sorted.filter((sample) => sample.roundTrip <= limit).slice(0, BEST_SAMPLES);
    const offsets = best.map((sample) => sample.offset).sort((a, b) => a - b);
    this.offset = offsets[Math.floor(offsets.length / 2)];
    return this.offset;
  }

  // A first, rough estimate from a snapshot's server time (before any pong).
  seed(serverTime, rate = 1, receivedAt = clientNow()) {
    this.rate = rate;
    if (this.offset === null) this.offset = serverTime - receivedAt * rate;
  }

  get minRoundTrip() {
    return this.samples.length ? Math.min(...this.samples.map((s) => s.roundTrip)) : null;
  }

  serverNow(at = clientNow()) {
    return at * this.rate + (this.offset ?? 0);
  }

  // Real milliseconds until a server instant (for timers on this machine).
  realDelayUntil(serverInstant) {
    return (serverInstant - this.serverNow()) / this.rate;
  }
}
