// The live pages' pure helpers (dom.js, room_view.js, dashboard.js): the text
// and numbers a participant, a moderator or an uber moderator sees.

import { test } from "node:test";
import assert from "node:assert/strict";

import { formatClock, formatMinutes } from "../../web_client/static/js/dom.js";
import {
  ACTIONS,
  actionForKey,
  nextStep,
  phaseOf,
  remainingMs,
  roleFor,
  roleTitle,
  roundProgress,
  statusText,
  zoneOf,
} from "../../web_client/static/js/room_view.js";
import { driftText, peopleText } from "../../web_client/static/js/dashboard.js";

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

test("nextStep names the next phase, then the next round, then the end", () => {
  assert.equal(nextStep(PROTOCOL, room()), "Next: Questions (7 min)");
  assert.equal(nextStep(PROTOCOL, room({ phase_index: 1 })), "Next: round 2 with roles swapped");
  assert.equal(nextStep({ ...PROTOCOL, rotation: "fixed" }, room({ phase_index: 1 })), "Next: round 2");
  assert.equal(nextStep(PROTOCOL, room({ round_index: 1, phase_index: 1 })), "Next: the end of the protocol");
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

test("peopleText counts who is connected by role", () => {
  assert.equal(peopleText(undefined), "Nobody connected");
  assert.equal(peopleText([]), "Nobody connected");
  assert.equal(
    peopleText([{ role: "moderator" }, { role: "member" }, { role: "member" }, { role: "guest" }]),
    "1 moderator, 2 team members, 1 guest",
  );
});
