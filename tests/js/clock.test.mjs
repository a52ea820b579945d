// ClockSync (web_client/static/js/clock.js): which samples decide the offset,
// rehearsal rates, ageing out, and waking from a sleep.

import { test } from "node:test";
import assert from "node:assert/strict";

import { ClockSync, KEPT_SAMPLES, MAX_SAMPLE_AGE_MS } from "../../web_client/static/js/clock.js";
import { remainingMs } from "../../web_client/static/js/room_view.js";
import { machine } from "./machine.mjs";

// A clock whose monotonic and wall clocks are held by the test.
function heldClock(options = {}) {
  const times = { monotonic: 1_000_000, wall: 1_000_000 };
  const clock = new ClockSync({ now: () => times.monotonic, wallNow: () => times.wall, ...options });
  return { clock, times };
}

// Adds a sample with the given round trip and offset, received at `at`.
function sample(clock, roundTrip, offset, at = 1_000_000) {
  const sentAt = at - roundTrip;
  return clock.addSample(sentAt, at, sentAt + roundTrip / 2 + offset);
}

function near(actual, expected, tolerance, message) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message ?? ""} ${actual} is not within ${tolerance} of ${expected}`);
}

test("the offset is the median of at most three fastest samples", () => {
  const { clock } = heldClock();
  sample(clock, 10, 100);
  sample(clock, 12, 130);
  sample(clock, 11, 90);
  // Within 1.5x + 1 ms of the fastest, but the fourth fastest: not counted.
  assert.equal(sample(clock, 14, 500), 100);
  assert.equal(clock.offset, 100);
  assert.equal(clock.minRoundTrip, 10);
});

test("samples within 1.5x (+1 ms) of the fastest round trip count", () => {
  const { clock } = heldClock();
  sample(clock, 10, 0);
  sample(clock, 16, 20);
  assert.equal(sample(clock, 16, 20), 20);
});

test("slow samples never outvote a fast one", () => {
  const { clock } = heldClock();
  sample(clock, 4, 0);
  for (let i = 0; i < KEPT_SAMPLES - 1; i += 1) assert.equal(sample(clock, 40, 300), 0);
  assert.equal(clock.serverNow(1_000), 1_000);
});

test("only the 16 latest samples are kept", () => {
  const { clock } = heldClock();
  sample(clock, 4, 0);
  for (let i = 0; i < KEPT_SAMPLES; i += 1) sample(clock, 40, 300);
  assert.equal(clock.samples.length, KEPT_SAMPLES);
  assert.equal(clock.offset, 300);
});

test("an exchange with symmetric delays gives the exact server time", () => {
  const m = machine();
  const clock = new ClockSync(m.clocks);
  m.exchange(clock, 40, 40);
  near(m.error(clock), 0, 0.001);
});

test("a rehearsal clock runs rate times faster and timers wait real time", () => {
  const m = machine({ rate: 60 });
  const clock = new ClockSync(m.clocks);
  for (let i = 0; i < 3; i += 1) m.exchange(clock, 3, 2);
  m.advance(10_000);
  // One real millisecond of asymmetry is 60 server milliseconds at x60.
  near(m.error(clock), 30, 0.001);
  const deadline = m.server() + 60_000;
  near(clock.realDelayUntil(deadline), 1_000 - 0.5, 0.001);
  const before = clock.serverNow();
  m.advance(1_000);
  near(clock.serverNow() - before, 60_000, 0.001);
});

test("a new rate drops the samples taken at the old one", () => {
  const { clock } = heldClock();
  sample(clock, 2, 0);
  const sentAt = 999_950;
  clock.addSample(sentAt, 1_000_000, (sentAt + 25) * 60 + 7, 60);
  assert.equal(clock.rate, 60);
  assert.equal(clock.samples.length, 1);
  assert.equal(clock.offset, 7);
});

test("samples older than the maximum age no longer count", () => {
  const { clock, times } = heldClock();
  sample(clock, 2, 0, times.monotonic);
  times.monotonic += MAX_SAMPLE_AGE_MS / 2;
  times.wall += MAX_SAMPLE_AGE_MS / 2;
  assert.equal(sample(clock, 50, 40, times.monotonic), 0, "a fast sample within the age outvotes a slow one");
  times.monotonic += MAX_SAMPLE_AGE_MS / 2 + 1;
  times.wall += MAX_SAMPLE_AGE_MS / 2 + 1;
  assert.equal(sample(clock, 50, 40, times.monotonic), 40, "an aged-out fast sample does not");
  assert.equal(clock.samples.length, 2);
});

test("after a 10-minute sleep the first fresh sample sets the countdown right", () => {
  const m = machine();
  let discontinuities = 0;
  const clock = new ClockSync({ ...m.clocks, onDiscontinuity: () => (discontinuities += 1) });
  for (let i = 0; i < KEPT_SAMPLES; i += 1) {
    m.exchange(clock, 2, 2);
    m.advance(2_000);
  }
  near(m.error(clock), 0, 0.001);
  const room = { status: "running", deadline: m.server() + 25 * 60_000 };

  m.sleep(10 * 60_000);
  // What the page showed before the fix until the old samples were outvoted:
  near(m.error(clock), -10 * 60_000, 0.001, "before any fresh sample");
  assert.equal(discontinuities, 1, "the discontinuity is seen on the first reading after waking");
  assert.equal(clock.samples.length, 0);

  // One fresh exchange, slower and lopsided (30 ms out, 26 ms back): it decides alone.
  m.exchange(clock, 30, 26);
  near(m.error(clock), 2, 0.001);
  const truth = room.deadline - m.server();
  near(remainingMs(room, clock), truth, 3, "countdown");
  near(clock.realDelayUntil(room.deadline), truth, 3, "real delay");
  // Faster exchanges after it take over as usual.
  m.exchange(clock, 2, 2);
  near(m.error(clock), 0, 0.001);
  assert.equal(discontinuities, 1);
});

test("an exchange that spans the sleep is not used", () => {
  const m = machine();
  const clock = new ClockSync(m.clocks);
  for (let i = 0; i < 4; i += 1) m.exchange(clock, 2, 2);
  // The ping leaves and is answered before the sleep; the pong is read after it.
  const sentAt = clock.now();
  m.advance(2);
  const serverTime = m.server();
  m.sleep(10 * 60_000);
  m.advance(2);
  clock.addSample(sentAt, clock.now(), serverTime);
  assert.equal(clock.samples.length, 0);
  m.exchange(clock, 20, 20);
  near(m.error(clock), 0, 0.001);
});

test("noteDiscontinuity drops every sample so the next one decides alone", () => {
  const { clock } = heldClock();
  sample(clock, 2, 0, 999_000);
  clock.noteDiscontinuity();
  assert.equal(clock.samples.length, 0);
  // An exchange begun before the call is not used either.
  sample(clock, 2, 0, 1_000_000);
  assert.equal(clock.samples.length, 0);
  clock.addSample(1_000_000, 1_000_000, 1_000_000 + 42);
  assert.equal(clock.offset, 42);
});

test("a wall clock that moves slowly never counts as a discontinuity", () => {
  const { clock, times } = heldClock();
  sample(clock, 2, 0);
  for (let i = 0; i < 20; i += 1) {
    times.monotonic += 1_000;
    times.wall += 1_000 + 200;
    assert.equal(clock.check(), false);
  }
  assert.equal(clock.samples.length, 1);
  times.wall += 1_500;
  assert.equal(clock.check(), true, "a jump of more than a second does");
  assert.equal(clock.samples.length, 0);
});

test("a wall clock change costs the samples but never moves the countdown", () => {
  const m = machine();
  const clock = new ClockSync(m.clocks);
  m.exchange(clock, 2, 2);
  m.setWall(-3_600_000);
  near(m.error(clock), 0, 0.001);
  assert.equal(clock.samples.length, 0);
});

test("a snapshot seeds the offset only while no sample is held", () => {
  const m = machine();
  const clock = new ClockSync(m.clocks);
  clock.seed(m.server() - 80);
  near(m.error(clock), -80, 0.001, "first seed");
  m.exchange(clock, 2, 2);
  clock.seed(m.server() - 80);
  near(m.error(clock), 0, 0.001, "a sample beats a seed");

  m.sleep(10 * 60_000);
  clock.seed(m.server() - 80);
  near(m.error(clock), -80, 0.001, "after a sleep the seed replaces the stale offset");
  m.exchange(clock, 20, 20);
  near(m.error(clock), 0, 0.001);

  clock.seed(m.server() * 60, 60);
  assert.equal(clock.rate, 60);
  assert.equal(clock.samples.length, 0, "a new rate drops the samples");
  near(clock.serverNow(), m.server() * 60, 0.001);
});
