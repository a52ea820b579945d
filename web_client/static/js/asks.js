// Asks from a room: a team member's "one more minute, please" or "we're done", and the
// moderator's (or an uber's) one-click answer.
//
// Rules: the buttons are offered while a phase is under way; an open ask shows to the
// room and, with Accept and Decline, to its moderator and the uber dashboard; the
// server decides (caps, one at a time) and says why when it refuses.

import { h } from "./dom.js";

const UNDER_WAY = ["running", "overtime", "paused"];

export function describe(ask) {
  const what = ask.kind === "more_time" ? "asks for one more minute" : "says the room is done";
  return `${ask.requested_by} ${what}`;
}

// The member's card: the two asks, and what became of the last ones.
export function buildAskBox(room, asks, send) {
  const mine = asks.filter((ask) => ask.room_id === room.id && ask.round_index === room.round_index);
  const open = mine.filter((ask) => ask.status === "open");
  const last = mine.filter((ask) => ask.status !== "open").at(-1);
  const status = open.length
    ? `${open.map(describe).join("; ")}: waiting for the moderator.`
    : last
      ? `${last.kind === "more_time" ? "One more minute" : "Done"}: ${last.status} by ${last.decided_by}.`
      : "";
  const underWay = UNDER_WAY.includes(room.status);
  return h(
    "section",
    { class: "card asks", "aria-labelledby": "asks-title" },
    h("h2", { id: "asks-title" }, "Time"),
    h("p", { class: "ask-status", role: "status" }, underWay ? status : "Asks are open while a phase is under way."),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", id: "ask-more-time", disabled: !underWay, onclick: () => send("more_time") }, "One more minute, please"),
      h("button", { type: "button", id: "ask-done", disabled: !underWay, onclick: () => send("done") }, "We're done"),
    ),
  );
}

// For the moderator and the dashboard: each open ask with its two answers.
export function buildOpenAsks(room, asks, answer) {
  const open = asks.filter((ask) => ask.room_id === room.id && ask.status === "open");
  if (!open.length) return null;
  return h(
    "div",
    { class: "open-asks", role: "group", "aria-label": `Asks from ${room.label}` },
    open.map((ask) =>
      h(
        "p",
        { "data-ask": ask.id },
        h("strong", {}, ask.kind === "more_time" ? "One more minute? " : "Done? "),
        `${describe(ask)}. `,
        h("button", { type: "button", class: "primary", onclick: () => answer(ask, true) }, ask.kind === "more_time" ? `Add a minute in ${room.label}` : `Noted for ${room.label}`),
        " ",
        h("button", { type: "button", onclick: () => answer(ask, false) }, `Decline for ${room.label}`),
      ),
    ),
  );
}
