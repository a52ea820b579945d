// Pure rules of the live pages: the one-minute warning at any clock speed, which
// rooms need attention, and refusals in plain words.

import { test } from "node:test";
import assert from "node:assert/strict";

import { WarningWatch } from "../../web_client/static/js/warnings.js";
import { attentionOf, arrangeRooms } from "../../web_client/static/js/attention.js";
import { plainRefusal } from "../../web_client/static/js/refusals.js";

// The countdown as a page samples it: every 250 ms of real time at `speed`.
function sampled(phaseMs, speed) {
  const samples = [];
  for (let real = 0; real * speed <= phaseMs + 1000; real += 250) samples.push(phaseMs - real * speed);
  return samples;
}

test("the one-minute warning is given once per phase at any clock speed", () => {
  for (const speed of [1, 10, 60, 120]) {
    const watch = new WarningWatch();
    const given = sampled(180_000, speed).filter((remaining) => watch.check("room:0:0", remaining, 60_000));
    assert.equal(given.length, 1, `x${speed}`);
    assert.ok(given[0] > 0 && given[0] <= 60_000, `x${speed}: given at ${given[0]}`);
  }
});

test("the old crossing window skipped the warning at x60; the watch does not", () => {
  // At x60 a frame is 15 s of protocol time: frames not aligned with the phase's start
  // land nowhere within 2 s of the threshold.
  const samples = sampled(181_300, 60);
  assert.ok(!samples.some((remaining) => remaining <= 60_000 && remaining > 58_000));
  const watch = new WarningWatch();
  assert.equal(samples.filter((remaining) => watch.check("k", remaining, 60_000)).length, 1);
});

test("a page opened in the last minute stays quiet, and so does one that sees only overtime", () => {
  const opened = new WarningWatch();
  assert.equal([50_000, 40_000, 1_000].filter((r) => opened.check("k", r, 60_000)).length, 0);
  const slept = new WarningWatch();
  assert.equal(slept.check("k", 90_000, 60_000), false);
  assert.equal(slept.check("k", -5_000, 60_000), false);
  // Each phase has its own warning.
  assert.equal(slept.check("k2", 90_000, 60_000), false);
  assert.equal(slept.check("k2", 30_000, 60_000), true);
});

const room = (overrides = {}) => ({ id: "r1", status: "running", drift_seconds: 0, round_index: 0, phase_index: 0, ...overrides });

test("attention: help, over time, asks, lateness and an empty room, most urgent first", () => {
  const people = [{ role: "member" }];
  assert.deepEqual(attentionOf(room(), { people }), []);
  assert.deepEqual(attentionOf(room({ drift_seconds: 59 }), { people }), []);
  assert.deepEqual(attentionOf(room({ drift_seconds: 125 }), { people }).map((r) => r.text), ["2:05 late"]);
  assert.deepEqual(attentionOf(room(), { people: [] }).map((r) => r.id), ["nobody"]);
  assert.deepEqual(attentionOf(room({ status: "finished" }), { people: [] }), []);
  const reasons = attentionOf(room({ status: "overtime" }), {
    people,
    help: [{ room_id: "r1", status: "open" }, { room_id: "r2", status: "open" }, { room_id: "r1", status: "resolved" }],
    asks: [{ room_id: "r1", status: "open", kind: "more_time" }],
  });
  assert.deepEqual(reasons.map((r) => r.id), ["help", "overtime", "ask"]);
  // Ahead of plan or before the start is never "late".
  assert.deepEqual(attentionOf(room({ status: "not_started", drift_seconds: 500 }), { people }), []);
});

test("rooms sorted by attention put the most urgent first and filter keeps only those", () => {
  const rooms = ["a", "b", "c", "d"].map((id) => room({ id }));
  const reasons = { a: [], b: [{ id: "nobody" }], c: [{ id: "help" }], d: [{ id: "late" }] };
  const of = (r) => reasons[r.id];
  assert.deepEqual(arrangeRooms(rooms, {}, of).map((e) => e.room.id), ["a", "b", "c", "d"]);
  assert.deepEqual(arrangeRooms(rooms, { sort: "attention" }, of).map((e) => e.room.id), ["c", "d", "b", "a"]);
  assert.deepEqual(arrangeRooms(rooms, { filter: "attention" }, of).map((e) => e.room.id), ["b", "c", "d"]);
});

const protocol = {
  rounds: [0, 1].map(() => ({ phases: [{ title: "Explanation" }, { title: "Clarification" }] })),
};

test("a refused command says what the room did meanwhile, in words, never versions", () => {
  const seen = room({ version: 2 });
  assert.equal(plainRefusal(seen, room({ version: 3, phase_index: 1 }), protocol), "already moved on to Clarification");
  assert.equal(plainRefusal(seen, room({ version: 9, round_index: 1 }), protocol), "already moved on to Explanation (round 2)");
  assert.equal(plainRefusal(seen, room({ version: 3, status: "paused" }), protocol), "Explanation is already paused");
  assert.equal(plainRefusal(room({ status: "paused" }), room({ version: 3 }), protocol), "Explanation has already resumed");
  assert.equal(plainRefusal(seen, room({ status: "finished" }), protocol), "this room has already finished");
  assert.equal(plainRefusal(room({ status: "not_started" }), room({ version: 1 }), protocol), "already moved on to Explanation");
  for (const text of [plainRefusal(seen, room({ version: 3 }), protocol), plainRefusal(seen, null, protocol)]) {
    assert.doesNotMatch(text, /version/);
  }
});
