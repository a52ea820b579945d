// The help queue pinned at the top of the uber dashboard.
//
// Rules:
// - Every open or claimed request, oldest first, with its room, phase, the
//   protocol role of whoever asked (and their team), how long it has waited,
//   its message, and Claim / Resolve in one click each.
// - The count shows as a badge; while any request is open (not yet claimed)
//   the page title flashes, so a request is noticed from another tab.
// - Waiting times are computed from the request's server time and this page's
//   corrected clock, every tick.

import { h, formatClock } from "./dom.js";
import { roleTitleOf } from "./presence.js";

export function openRequests(help) {
  return help.filter((item) => item.status !== "resolved").sort((a, b) => a.created_at - b.created_at);
}

function phaseTitle(protocol, item) {
  return protocol?.rounds[item.round_index]?.phases.find((phase) => phase.id === item.phase_id)?.title ?? item.phase_id;
}

function whoAsked(item, room, protocol) {
  const role = roleTitleOf(protocol, item.role);
  const seat = room?.seats.find((s) => s.role === item.role && s.team_id);
  const team = seat ? seat.team_name : "";
  return team && team !== role ? `${role} (${team})` : role;
}

// context: {help, rooms (Map), protocolOf(room), clock}; actions: {help(type, id), openRoom(id)}
export function buildHelpQueue(context, actions) {
  const items = openRequests(context.help);
  const waits = [];
  const list = items.map((item) => {
    const room = context.rooms.get(item.room_id);
    const protocol = context.protocolOf(room);
    const label = room?.label ?? "A room";
    const wait = h("span", { class: "help-wait" });
    waits.push({ wait, item });
    return h(
      "li",
      { class: "help", "data-help": item.id, "data-status": item.status },
      h("strong", {}, label),
      ` · ${phaseTitle(protocol, item)} · ${whoAsked(item, room, protocol)}`,
      item.requested_by ? h("span", { class: "muted" }, ` (${item.requested_by})`) : null,
      " · ",
      wait,
      item.message ? h("span", { class: "help-message" }, ` “${item.message}”`) : null,
      item.status === "claimed" ? h("span", { class: "help-claimed" }, ` · ${item.claimed_by} is on the way`) : null,
      h(
        "span",
        { class: "help-actions" },
        item.status === "open" ? h("button", { type: "button", class: "primary", "data-focus": `claim-${item.id}`, onclick: () => actions.help("help.claim", item.id) }, `Claim ${label}`) : null,
        h("button", { type: "button", "data-focus": `resolve-${item.id}`, onclick: () => actions.help("help.resolve", item.id) }, `Resolve ${label}`),
        room ? h("button", { type: "button", class: "link-button", "data-focus": `open-${item.id}`, onclick: () => actions.openRoom(room.id) }, `Open ${label}`) : null,
      ),
    );
  });
  const waiting = items.filter((item) => item.status === "open").length;
  const element = h(
    "section",
    { class: "help-queue", id: "help-queue", "aria-labelledby": "help-queue-title", "data-count": String(items.length), "data-waiting": String(waiting) },
    h(
      "h2",
      { id: "help-queue-title" },
      "Help requests ",
      h("span", { class: "badge", id: "help-count", "aria-label": `${items.length} open` }, String(items.length)),
    ),
    items.length ? h("ol", { class: "help-list" }, list) : h("p", { class: "muted help-none" }, "No open requests."),
  );
  function tick() {
    for (const { wait, item } of waits) {
      const text = `waiting ${formatClock(Math.max(0, context.clock.serverNow() - item.created_at))}`;
      if (wait.textContent !== text) wait.textContent = text;
    }
  }
  return { element, tick, waiting, count: items.length };
}

// Flashes the page title while requests wait: "(2) Help requested" and the title, each second.
export class TitleFlash {
  constructor(documentRef = document, intervalMs = 1000) {
    this.document = documentRef;
    this.base = documentRef.title;
    this.intervalMs = intervalMs;
    this.count = 0;
    this.timer = null;
    this.on = false;
  }

  set(count) {
    this.count = count;
    if (count > 0 && this.timer === null) {
      this.timer = setInterval(() => this.flip(), this.intervalMs);
      this.flip();
    } else if (count === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      this.on = false;
      this.document.title = this.base;
    }
  }

  flip() {
    this.on = !this.on;
    this.document.title = this.on ? `(${this.count}) Help requested · ${this.base}` : this.base;
  }
}
