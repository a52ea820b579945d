// The live connection (web_client/static/js/connection.js): the resync delay,
// answering a resync, re-measuring the clock at once after a sleep, reporting
// the clock's quality on each ping, and giving the person's name again after a
// reconnect.

import { test, mock } from "node:test";
import assert from "node:assert/strict";

import { ClockSync } from "../../web_client/static/js/clock.js";
import { LiveConnection, clockReport, resyncDelay } from "../../web_client/static/js/connection.js";
import { machine } from "./machine.mjs";

// Node 20 has no WebSocket; the connection only reads WebSocket.OPEN.
globalThis.WebSocket ??= { OPEN: 1 };

function openConnection(clock) {
  const received = [];
  const connection = new LiveConnection("token", { onMessage: (m) => received.push(m), onState: () => {}, clock });
  const sent = [];
  connection.socket = { readyState: WebSocket.OPEN, send: (text) => sent.push(JSON.parse(text)) };
  return { connection, sent, received };
}

const ofType = (sent, type) => sent.filter((m) => m.type === type);

test("resyncDelay is uniform in [0, spread_ms)", () => {
  assert.equal(resyncDelay(2000, () => 0), 0);
  assert.equal(resyncDelay(2000, () => 0.25), 500);
  assert.equal(resyncDelay(2000, () => 0.9999999), 1999);
  assert.equal(resyncDelay(2000, () => 1 - 2 ** -53), 1999, "never the spread itself");
  assert.equal(resyncDelay(1.5, () => 0.9), 1);
  const delays = Array.from({ length: 2000 }, () => resyncDelay(10_000));
  assert.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d < 10_000));
  assert.ok(Math.min(...delays) < 1_000 && Math.max(...delays) >= 9_000, "spread over the window");
});

test("resyncDelay is zero without a usable spread", () => {
  for (const spread of [0, -5, undefined, null, NaN, "soon"]) assert.equal(resyncDelay(spread, () => 0.5), 0, String(spread));
  assert.equal(resyncDelay(1, () => 0.9), 0);
});

test("a resync asks for one snapshot after its random delay", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  t.mock.method(Math, "random", () => 0.25);
  const { connection, sent, received } = openConnection();
  connection.receive({ type: "resync", reason: "backplane resubscribed", spread_ms: 2000 });
  t.mock.timers.tick(499);
  assert.deepEqual(sent, []);
  connection.receive({ type: "resync", reason: "again", spread_ms: 2000 });
  t.mock.timers.tick(1);
  assert.deepEqual(sent, [{ type: "snapshot.request" }]);
  t.mock.timers.tick(5000);
  assert.equal(sent.length, 1, "the second resync came while the first waited");
  assert.deepEqual(received, [], "the page is not bothered with it");

  connection.receive({ type: "resync", reason: "later", spread_ms: 0 });
  t.mock.timers.tick(0);
  assert.equal(ofType(sent, "snapshot.request").length, 2);
});

test("a closed socket cancels a waiting resync", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  t.mock.method(Math, "random", () => 0.5);
  const { connection, sent } = openConnection();
  connection.receive({ type: "resync", reason: "x", spread_ms: 1000 });
  connection.cancelResync();
  t.mock.timers.tick(1000);
  assert.deepEqual(sent, []);
});

test("after a sleep the first reading of the clock pings at once, and its pong sets the countdown right", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const m = machine();
  const { connection, sent } = openConnection(m.clocks);
  const answer = (ping, up = 2, down = 2) => {
    m.advance(up);
    const serverTime = m.server();
    m.advance(down);
    connection.receive({ type: "clock.pong", client_time: ping.client_time, server_time: serverTime, clock_rate: 1 });
  };
  connection.pingBurst();
  t.mock.timers.tick(1000);
  for (const ping of ofType(sent, "clock.ping")) answer(ping);
  assert.ok(Math.abs(connection.clock.serverNow() - m.server()) < 1);
  clearInterval(connection.pingTimer);
  sent.length = 0;

  m.sleep(10 * 60_000);
  const room = { deadline: m.server() + 60_000 };
  connection.clock.realDelayUntil(room.deadline); // a render frame after waking
  t.mock.timers.tick(0);
  const pings = ofType(sent, "clock.ping");
  assert.equal(pings.length, 1, "a ping at once");
  answer(pings[0], 40, 36);
  assert.ok(Math.abs(connection.clock.realDelayUntil(room.deadline) - (room.deadline - m.server())) < 3);
  clearInterval(connection.pingTimer);
});

test("waking the page pings at once even without a discontinuity", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const m = machine();
  const { connection, sent } = openConnection(m.clocks);
  connection.wake();
  t.mock.timers.tick(0);
  assert.equal(ofType(sent, "clock.ping").length, 1);
  m.sleep(60_000);
  connection.wake();
  t.mock.timers.tick(0);
  assert.equal(ofType(sent, "clock.ping").length, 2, "one burst per wake, not two");
  connection.socket.readyState = 3;
  connection.wake();
  t.mock.timers.tick(5000);
  assert.equal(ofType(sent, "clock.ping").length, 2, "nothing while disconnected (opening bursts)");
  clearInterval(connection.pingTimer);
});

test("clockReport gives the offset only at rate 1 and the round trip once a sample is held", () => {
  const m = machine({ ahead: 1234.56 });
  const clock = new ClockSync(m.clocks);
  assert.deepEqual(clockReport(clock), {}, "nothing known yet");
  clock.seed(m.server(), 1);
  assert.deepEqual(clockReport(clock), { offset_ms: 1234.6 }, "a seeded offset, no round trip");
  m.exchange(clock, 7.04, 7.04);
  assert.deepEqual(clockReport(clock), { offset_ms: 1234.6, round_trip_ms: 14.1 });
  m.exchange(clock, 40, 40);
  assert.equal(clockReport(clock).round_trip_ms, 14.1, "the fastest recent sample's");

  const rehearsal = machine({ rate: 60 });
  const fast = new ClockSync(rehearsal.clocks);
  rehearsal.exchange(fast, 3, 3);
  assert.equal(fast.rate, 60);
  assert.deepEqual(clockReport(fast), { round_trip_ms: 6 }, "a sped-up offset says nothing of quality");
});

test("each ping reports the clock's quality once it is known", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const m = machine({ ahead: 500 });
  const { connection, sent } = openConnection(m.clocks);
  connection.ping();
  const [first] = ofType(sent, "clock.ping");
  assert.deepEqual(Object.keys(first).sort(), ["client_time", "type"]);
  m.advance(10);
  const serverTime = m.server();
  m.advance(10);
  connection.receive({ type: "clock.pong", client_time: first.client_time, server_time: serverTime, clock_rate: 1 });
  connection.ping();
  const second = ofType(sent, "clock.ping")[1];
  assert.equal(second.round_trip_ms, 20);
  assert.ok(Math.abs(second.offset_ms - 500) < 0.1, String(second.offset_ms));
});

test("setName gives the name now and again each time the socket opens", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { connection, sent } = openConnection();
  const answered = connection.setName("  Ana   Lima ");
  const [given] = ofType(sent, "presence.name");
  assert.equal(given.name, "  Ana   Lima ", "sent as typed: the server tidies it");
  const ok = { type: "command.ok", request_id: given.request_id, detail: { kind: "presence.name", name: "Ana Lima" } };
  connection.receive(ok);
  assert.deepEqual(await answered, ok);

  connection.opened(); // a reconnect
  const again = ofType(sent, "presence.name");
  assert.equal(again.length, 2);
  assert.equal(again[1].name, "  Ana   Lima ");
  connection.receive({ ...ok, request_id: again[1].request_id });
  clearInterval(connection.pingTimer);

  connection.socket.readyState = 3;
  await assert.rejects(connection.setName("Bo"), /Not connected/);
  connection.socket.readyState = WebSocket.OPEN;
  connection.opened();
  const third = ofType(sent, "presence.name")[2];
  assert.deepEqual(ofType(sent, "presence.name").map((m) => m.name), ["  Ana   Lima ", "  Ana   Lima ", "Bo"]);
  connection.receive({ ...ok, request_id: third.request_id });
  clearInterval(connection.pingTimer);

  const clearing = connection.setName("");
  const cleared = ofType(sent, "presence.name")[3];
  connection.receive({ ...ok, request_id: cleared.request_id, detail: { kind: "presence.name", name: "" } });
  await clearing;
  connection.opened();
  assert.equal(ofType(sent, "presence.name").length, 4, "a cleared name is not given again");
  clearInterval(connection.pingTimer);
});
