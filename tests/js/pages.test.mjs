// The live pages' pure helpers (dom.js, room_view.js, dashboard.js): the text
// and numbers a participant, a moderator or an uber moderator sees.

import { test } from "node:test";
import assert from "node:assert/strict";

import { formatClock, formatMinutes } from "../../web_client/static/js/dom.js";
import {
  ACTIONS,
  actionForKey,
  challengeSeat,
  endOf,
  nextStep,
  phaseLength,
  phaseOf,
  remainingMs,
  roleFor,
  roleTitle,
  roundProgress,
  statusText,
  zoneOf,
} from "../../web_client/static/js/room_view.js";
import { driftText, peopleText } from "../../web_client/static/js/dashboard.js";
import { clockQuality, formatOffset, presenceByRole, presenceLine } from "../../web_client/static/js/presence.js";

// A two-round protocol shaped like the snapshot's (docs/api.md), trimmed.
function phase(id, title, starts, duration) {
  return {
    id,
    title,
    duration_seconds: duration,
    starts_at_seconds: starts,
    summary: `${title} summary`,
    speakers: ["presenting"],
    instructions: { presenting: `${title}: present`, inquiry: `${title}: listen` },
    prompts: [],
  };
}

const PROTOCOL = {
  id: "consultancy",
  roles: [
    { id: "presenting", title: "Presenting team" },
    { id: "inquiry", title: "Inquiry team" },
    { id: "moderator", title: "Moderator" },
    { id: "observer", title: "Observer" },
  ],
  room: { kind: "team", seating: ["presenting", "inquiry"], others: "observer", moderator: "moderator" },
  rotation: "rotate",
  warning_seconds: 60,
  total_seconds: 1200,
  rounds: [
    { number: 1, duration_seconds: 600, phases: [phase("explain", "Explanation", 0, 180), phase("ask", "Questions", 180, 420)] },
    { number: 2, duration_seconds: 600, phases: [phase("explain", "Explanation", 600, 180), phase("ask", "Questions", 780, 420)] },
  ],
};

function room(fields = {}) {
  return {
    id: "r1",
    status: "running",
    round_index: 0,
    phase_index: 0,
    deadline: null,
    remaining_ms: null,
    phase_length_ms: 180_000,
    drift_seconds: 0,
    seats: [
      { team_id: "t1", team_name: "Team One", role: "presenting" },
      { team_id: "t2", team_name: "Team Two", role: "inquiry" },
    ],
    ...fields,
  };
}

const clockAt = (serverNow) => ({ serverNow: () => serverNow });

// -- dom.js ---------------------------------------------------------------------

test("formatClock rounds seconds up before zero and counts up past it", () => {
  assert.equal(formatClock(0), "0:00");
  assert.equal(formatClock(1), "0:01");
  assert.equal(formatClock(999), "0:01");
  assert.equal(formatClock(1000), "0:01");
  assert.equal(formatClock(1001), "0:02");
  assert.equal(formatClock(59_500), "1:00");
  assert.equal(formatClock(25 * 60_000), "25:00");
  assert.equal(formatClock(-1), "+0:00");
  assert.equal(formatClock(-1000), "+0:01");
  assert.equal(formatClock(-61_500), "+1:01");
});

test("formatMinutes shows whole minutes or minutes and seconds", () => {
  assert.equal(formatMinutes(180), "3 min");
  assert.equal(formatMinutes(90), "1:30");
  assert.equal(formatMinutes(65), "1:05");
});

// -- room_view.js -------------------------------------------------------------------

test("phaseOf is the room's current phase of its current round", () => {
  assert.equal(phaseOf(PROTOCOL, room()).title, "Explanation");
  assert.equal(phaseOf(PROTOCOL, room({ round_index: 1, phase_index: 1 })), PROTOCOL.rounds[1].phases[1]);
});

test("roleFor: a member has their team's seat, moderators the moderator role, others observe", () => {
  assert.equal(roleFor(room(), { access: "member", team_id: "t2" }, PROTOCOL), "inquiry");
  const swapped = room({ seats: [{ team_id: "t2", role: "presenting" }, { team_id: "t1", role: "inquiry" }] });
  assert.equal(roleFor(swapped, { access: "member", team_id: "t2" }, PROTOCOL), "presenting");
  assert.equal(roleFor(room(), { access: "moderator" }, PROTOCOL), "moderator");
  assert.equal(roleFor(room(), { access: "uber" }, PROTOCOL), "moderator");
  assert.equal(roleFor(room(), { access: "observer" }, PROTOCOL), "observer");
  assert.equal(roleFor(room(), { access: "member", team_id: "elsewhere" }, PROTOCOL), "observer");
  const noOthers = { ...PROTOCOL, room: { ...PROTOCOL.room, others: null } };
  assert.equal(roleFor(room(), { access: "observer" }, noOthers), "observer");
  const noObserver = { ...noOthers, roles: PROTOCOL.roles.filter((r) => r.id !== "observer") };
  assert.equal(roleFor(room(), { access: "observer" }, noObserver), "presenting");
  assert.equal(roleTitle(PROTOCOL, "inquiry"), "Inquiry team");
  assert.equal(roleTitle(PROTOCOL, "unknown"), "unknown");
});

test("remainingMs counts to the deadline on the server clock, frozen while paused", () => {
  assert.equal(remainingMs(room({ deadline: 100_000 }), clockAt(40_000)), 60_000);
  assert.equal(remainingMs(room({ status: "overtime", deadline: 100_000 }), clockAt(105_000)), -5_000);
  assert.equal(remainingMs(room({ status: "paused", deadline: 1, remaining_ms: 42_000 }), clockAt(40_000)), 42_000);
  for (const status of ["not_started", "between_rounds", "finished", "recalled"]) {
    assert.equal(remainingMs(room({ status, deadline: 100_000 }), clockAt(40_000)), null, status);
  }
});

test("zoneOf: normal, warning in the last warning_seconds, overtime, paused, idle", () => {
  assert.equal(zoneOf(room(), 60_001, PROTOCOL), "normal");
  assert.equal(zoneOf(room(), 60_000, PROTOCOL), "warning");
  assert.equal(zoneOf(room(), 1, PROTOCOL), "warning");
  assert.equal(zoneOf(room(), 0, PROTOCOL), "overtime");
  assert.equal(zoneOf(room({ status: "paused" }), 10, PROTOCOL), "paused");
  assert.equal(zoneOf(room({ status: "not_started" }), null, PROTOCOL), "idle");
});

test("nextStep names the next phase, then the next round, then the main room", () => {
  assert.equal(nextStep(PROTOCOL, room()), "Next: Questions (7 min)");
  assert.equal(nextStep(PROTOCOL, room({ phase_index: 1 })), "Next: round 2 with roles swapped");
  assert.equal(nextStep({ ...PROTOCOL, rotation: "fixed" }, room({ phase_index: 1 })), "Next: round 2");
  assert.equal(nextStep(PROTOCOL, room({ round_index: 1, phase_index: 1 })), "Next: back to the main room");
  assert.equal(nextStep(PROTOCOL, room({ status: "finished" })), "Next: the main room");
  assert.equal(nextStep(PROTOCOL, room({ status: "between_rounds" })), "Next: round 2 with roles swapped, when your moderator starts it");
});

test("after a fit to time, Next shows the phase's new length", () => {
  const fitted = room({ planned: [{ round_index: 0, phase_index: 1, seconds: 264 }] });
  assert.equal(phaseLength(PROTOCOL, fitted, 0, 1), 264);
  assert.equal(phaseLength(PROTOCOL, fitted, 1, 1), 420, "a phase the fit did not touch keeps its length");
  assert.equal(nextStep(PROTOCOL, fitted), "Next: Questions (4:24)");
});

test("the end of a round and of the protocol each have their screen", () => {
  assert.equal(endOf(PROTOCOL, room()), null);
  assert.equal(endOf(PROTOCOL, room({ status: "between_rounds" })).title, "Round 1 complete");
  assert.equal(endOf(PROTOCOL, room({ status: "finished" })).title, "Return to the main room");
});

test("the challenge card is the seat holding the protocol's challenge role, or none", () => {
  const grow = { ...PROTOCOL, room: { ...PROTOCOL.room, seating: ["coach", "coachee"], challenge_from: "coachee" } };
  const seats = [
    { seat: 1, team_id: "t1", team_name: "Ana", role: "coach" },
    { seat: 2, team_id: "t2", team_name: "Raj", role: "coachee" },
  ];
  assert.equal(challengeSeat(grow, room({ seats })).team_name, "Raj");
  const swapped = seats.map((seat) => ({ ...seat, role: seat.role === "coach" ? "coachee" : "coach" }));
  assert.equal(challengeSeat(grow, room({ seats: swapped })).team_name, "Ana");
  assert.equal(challengeSeat({ ...grow, room: { ...grow.room, challenge_from: null } }, room({ seats })), null);
});

test("roundProgress is the share of the round done", () => {
  assert.equal(roundProgress(PROTOCOL, room(), 180_000), 0);
  assert.equal(roundProgress(PROTOCOL, room(), 60_000), 0.2);
  assert.equal(roundProgress(PROTOCOL, room({ phase_index: 1, phase_length_ms: 420_000 }), 420_000), 0.3);
  assert.equal(roundProgress(PROTOCOL, room(), -600_000), 0.3, "overtime stops at the phase's length");
  assert.equal(roundProgress(PROTOCOL, room({ status: "between_rounds" }), null), 1);
});

test("statusText describes the room's status", () => {
  assert.equal(statusText(room()), "");
  assert.equal(statusText(room({ status: "paused" })), "Paused");
  assert.equal(statusText(room({ status: "something_new" })), "something_new");
});

// actionForKey tells form fields and buttons apart with the DOM's element classes.
class FakeElement {}
globalThis.HTMLInputElement ??= class extends FakeElement {};
globalThis.HTMLTextAreaElement ??= class extends FakeElement {};
globalThis.HTMLSelectElement ??= class extends FakeElement {};
globalThis.HTMLButtonElement ??= class extends FakeElement {};

const key = (k, fields = {}) => ({ key: k, target: new FakeElement(), ...fields });
const actionOf = (k, status, fields) => actionForKey(key(k, fields), room({ status }))?.action ?? null;

test("actionForKey maps the moderator's shortcuts for the room's status", () => {
  assert.equal(actionOf("s", "not_started"), "start");
  assert.equal(actionOf("S", "not_started"), "start");
  assert.equal(actionOf("s", "running"), null, "start only before the room starts");
  assert.equal(actionOf(" ", "running"), "pause");
  assert.equal(actionOf(" ", "paused"), "resume");
  assert.equal(actionOf("n", "between_rounds"), "next");
  assert.equal(actionOf("f", "finished"), null);
  const plus = actionForKey(key("="), room());
  assert.equal(plus.action, "adjust_time");
  assert.equal(plus.seconds, 60);
  assert.equal(actionForKey(key("-"), room()).seconds, -60);
  assert.ok(actionForKey(key("b"), room()).confirm, "going back asks first");
  assert.equal(actionForKey(key("r"), room()), ACTIONS.find((item) => item.action === "restart_phase"));
});

test("actionForKey leaves typing, modified keys and a focused button's Space alone", () => {
  assert.equal(actionOf("n", "running", { target: new HTMLInputElement() }), null);
  assert.equal(actionOf("n", "running", { target: new HTMLTextAreaElement() }), null);
  assert.equal(actionOf("n", "running", { target: new HTMLSelectElement() }), null);
  assert.equal(actionOf(" ", "running", { target: new HTMLButtonElement() }), null);
  assert.equal(actionOf("n", "running", { target: new HTMLButtonElement() }), "next");
  for (const modifier of ["ctrlKey", "metaKey", "altKey"]) {
    assert.equal(actionOf("n", "running", { [modifier]: true }), null, modifier);
  }
});

// -- dashboard.js -------------------------------------------------------------------

test("driftText says how far a room is from the plan", () => {
  const event = { scheduled_start: 1_000_000 };
  const text = (fields, now = 0) => driftText(room(fields), PROTOCOL, event, clockAt(now));
  assert.equal(text({ drift_seconds: 4.4 }), "On plan");
  assert.equal(text({ drift_seconds: -4.4 }), "On plan");
  assert.equal(text({ drift_seconds: 125 }), "2:05 behind plan");
  assert.equal(text({ drift_seconds: -65 }), "1:05 ahead of plan");
  assert.equal(text({ drift_seconds: null }), "");
  // Before a room starts: when it is due to, not a drift.
  assert.equal(text({ status: "not_started", drift_seconds: 0 }, 727_000), "Starts in 4:33");
  assert.equal(text({ status: "not_started", drift_seconds: 0 }, 998_000), "Starts now");
  assert.equal(text({ status: "not_started", drift_seconds: 0 }, 1_090_000), "1:30 late to start");
  // After a recall, a drift means nothing.
  assert.equal(text({ status: "recalled", drift_seconds: -2991 }), "");
});

test("peopleText counts who is connected; nothing when nobody is (the tile's flag says so)", () => {
  assert.equal(peopleText(undefined), "");
  assert.equal(peopleText([]), "");
  assert.equal(peopleText([{ role: "moderator" }, { role: "member" }, { role: "member" }]), "3 connected");
});

test("presence by protocol role: each seat's team against its members, names as given", () => {
  const seats = [
    { seat: 1, team_id: "t1", team_name: "Team A", role: "presenting", member_count: 0 },
    { seat: 2, team_id: "t2", team_name: "Team B", role: "inquiry", member_count: 3 },
  ];
  const people = [
    { role: "member", team_id: "t2", name: "Ana Lima" },
    { role: "member", team_id: "t2", name: "" },
    { role: "moderator", team_id: "", name: "" },
    { role: "observer", team_id: "", name: "Visitor" },
  ];
  const lines = presenceByRole(room({ seats, moderator_name: "Mod" }), people, PROTOCOL).map(presenceLine);
  assert.deepEqual(lines, [
    "Presenting team (Team A) 0 connected",
    "Inquiry team (Team B) 2/3 connected: Ana Lima",
    "Moderator (Mod) 1/1 connected",
    "Observer 1 connected: Visitor",
  ]);
});

test("clock quality from the page's own measures", () => {
  assert.equal(clockQuality({ round_trip_ms: null }).label, "Measuring");
  assert.equal(clockQuality({ round_trip_ms: 40 }).label, "Good");
  assert.equal(clockQuality({ round_trip_ms: 400 }).label, "Fair");
  assert.equal(clockQuality({ round_trip_ms: 2000 }).label, "Poor");
  assert.equal(formatOffset(-12.4), "−12 ms");
  assert.equal(formatOffset(2500), "+2.5 s");
  assert.equal(formatOffset(null), "—");
});
