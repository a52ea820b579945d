// The uber moderators' dashboard: every room at once, and the event's controls.
//
// Rules:
// - One compact tile per room (phase, time left, status colour, drift from the
//   room's current plan, who is connected, why it needs attention), so twenty
//   rooms fit on a laptop screen; a click opens the room's detail.
// - The detail holds what a tile has no room for: the room's controls, its
//   timeline with the current plan's lengths, presence by protocol role with
//   names, and each connection's clock quality.
// - Event-wide controls act on every room at one server instant.

import { buildOpenAsks } from "./asks.js";
import { h, formatClock, formatMinutes, formatTime, videoLink } from "./dom.js";
import { ACTIONS, phaseLength, phaseOf, remainingMs, statusText, zoneOf } from "./room_view.js";
import { clockQuality, formatOffset, presenceByRole, presenceLine, roleTitleOf } from "./presence.js";

export function driftText(room, protocol, event, clock) {
  const drift = room.drift_seconds;
  if (room.status === "not_started") {
    // Before the start there is no drift to speak of: say when the room is due to start.
    const wait = Math.round((event.scheduled_start - clock.serverNow()) / 1000);
    if (Math.abs(wait) < 5) return "Starts now";
    return wait > 0 ? `Starts in ${formatClock(wait * 1000)}` : `${formatClock(-wait * 1000)} late to start`;
  }
  if (room.status === "recalled") return "";
  if (drift === null || drift === undefined) return "";
  const rounded = Math.round(drift);
  if (Math.abs(rounded) < 5) return "On plan";
  const text = formatClock(Math.abs(rounded) * 1000);
  return rounded > 0 ? `${text} behind plan` : `${text} ahead of plan`;
}

// How many are connected; nothing when nobody is (the tile's flag says so).
export function peopleText(people) {
  if (!people || people.length === 0) return "";
  return `${people.length} connected`;
}

// A compact tile: what an uber needs at a glance. reasons: why it needs attention.
export function buildTile(room, context, reasons, open) {
  const { protocol, clock, event, presence } = context;
  const phase = phaseOf(protocol, room);
  const countdown = h("p", { class: "countdown", "data-countdown": room.id }, "--:--");
  const drift = h("span", { class: "drift" });
  const tile = h(
    "article",
    {
      class: "tile",
      "data-room": room.id,
      "data-attention": reasons.map((reason) => reason.id).join(" "),
      "aria-labelledby": `tile-${room.id}`,
      onclick: (e) => { if (!e.target.closest("button, a")) open(room.id); },
    },
    h(
      "div",
      { class: "tile-head" },
      h("h2", { id: `tile-${room.id}` }, h("button", { type: "button", class: "tile-open", "aria-haspopup": "dialog", "data-focus": `tile-${room.id}`, onclick: () => open(room.id) }, room.label)),
      countdown,
    ),
    h("p", { class: "tile-phase" }, h("strong", {}, phase.title), h("span", { class: "muted" }, ` · R${room.round_index + 1}`), statusText(room) && room.status !== "not_started" ? h("span", { class: "status" }, ` · ${statusText(room)}`) : null),
    h("p", { class: "tile-meta" }, drift, h("span", { class: "people" }, peopleText(presence[room.id]))),
    reasons.length ? h("p", { class: "tile-flags" }, reasons.map((reason) => h("span", { class: `flag flag-${reason.id}` }, reason.text))) : null,
    buildOpenAsks(room, context.asks, context.answer),
  );

  function tick() {
    const remaining = remainingMs(room, clock);
    const zone = zoneOf(room, remaining, protocol);
    tile.dataset.zone = zone;
    const text = remaining === null ? (room.status === "not_started" ? formatClock(phaseLength(protocol, room, 0, 0) * 1000) : "—") : formatClock(remaining);
    if (countdown.textContent !== text) countdown.textContent = text;
    countdown.dataset.remainingMs = remaining === null ? "" : String(Math.round(remaining));
    const words = driftText(room, protocol, event, clock);
    if (drift.textContent !== words) drift.textContent = words;
    drift.classList.toggle("drift-late", words.includes("behind") || words.includes("late"));
  }
  return { element: tile, tick };
}

// The room's timeline in its current plan: every phase of every round, its length
// (fitted where fit to time changed it), done, now or to come.
function buildTimeline(room, protocol) {
  const rows = [];
  protocol.rounds.forEach((round, roundIndex) => {
    round.phases.forEach((phase, phaseIndex) => {
      const position = roundIndex * round.phases.length + phaseIndex;
      const current = room.round_index * round.phases.length + room.phase_index;
      let where = "to come";
      if (["finished", "recalled"].includes(room.status) || position < current || (room.status === "between_rounds" && position <= current)) where = "done";
      else if (position === current && room.status !== "not_started") where = "now";
      const length = phaseLength(protocol, room, roundIndex, phaseIndex);
      const changed = Math.round(length) !== phase.duration_seconds;
      rows.push(
        h(
          "li",
          { "data-when": where, class: where === "now" ? "current" : null },
          h("span", { class: "timeline-when" }, where === "now" ? "Now" : where === "done" ? "Done" : ""),
          ` R${roundIndex + 1} · ${phase.title} · ${formatMinutes(length)}`,
          changed ? h("span", { class: "muted" }, ` (fitted from ${formatMinutes(phase.duration_seconds)})`) : null,
        ),
      );
    });
  });
  return h("ol", { class: "timeline-list", "aria-label": `${room.label}: timeline` }, rows);
}

function buildClockTable(room, people, protocol) {
  if (!people.length) return h("p", { class: "muted" }, "Nobody connected.");
  const roleOf = (person) => {
    if (person.role === "member") {
      const seat = room.seats.find((s) => s.team_id === person.team_id);
      return seat ? `${roleTitleOf(protocol, seat.role)} (${seat.team_name})` : "Team member";
    }
    if (person.role === "moderator") return roleTitleOf(protocol, protocol.room.moderator);
    return person.role === "observer" ? "Observer" : person.role;
  };
  return h(
    "table",
    { class: "clock-table" },
    h("caption", { class: "visually-hidden" }, `${room.label}: connections and their clocks`),
    h("thead", {}, h("tr", {}, ["Who", "Role", "Clock offset", "Round trip", "Clock"].map((title) => h("th", { scope: "col" }, title)))),
    h(
      "tbody",
      {},
      people.map((person) => {
        const quality = clockQuality(person);
        return h(
          "tr",
          {},
          h("td", {}, person.name || person.label || h("span", { class: "muted" }, "No name given")),
          h("td", {}, roleOf(person)),
          h("td", {}, formatOffset(person.offset_ms)),
          h("td", {}, person.round_trip_ms === null || person.round_trip_ms === undefined ? "—" : `${Math.round(person.round_trip_ms)} ms`),
          h("td", { "data-quality": quality.level }, quality.label),
        );
      }),
    ),
  );
}

// The detail of one room, in the dashboard's dialog: rebuilt on every change while open.
export function buildRoomDetail(room, context, actions) {
  const { protocol, clock, event, presence, help } = context;
  const people = presence[room.id] ?? [];
  const phase = phaseOf(protocol, room);
  const countdown = h("p", { class: "countdown detail-countdown", id: "detail-countdown" }, "--:--");
  const drift = h("p", { class: "drift" });
  const buttons = ACTIONS.filter((item) => item.when.includes(room.status)).map((item) =>
    h(
      "button",
      {
        type: "button",
        class: item.action === "start" || item.action === "next" ? "primary" : item.action === "finish" ? "danger" : null,
        "data-action": item.action,
        "data-slot": item.slot ?? item.action,
        "data-focus": `detail-${item.slot ?? item.action}${item.seconds ?? ""}`,
        onclick: () => actions.command(room, item.action, item.seconds, item.confirm),
      },
      `${item.label} in ${room.label}`,
    ),
  );
  const roomHelp = help.filter((item) => item.room_id === room.id && item.status !== "resolved");
  const element = h(
    "div",
    { class: "room-detail", "data-room": room.id },
    h(
      "div",
      { class: "detail-head" },
      h("h2", { id: "room-detail-title" }, room.label),
      h("button", { type: "button", "data-focus": "detail-close", onclick: () => actions.closeRoom() }, "Close"),
    ),
    h("p", { class: "muted" }, [protocol.title, room.moderator_name ? `moderator ${room.moderator_name}` : null].filter(Boolean).join(" · "), room.video_room || room.video_url ? h("span", {}, " · ", videoLink(room)) : null),
    h("p", {}, h("strong", {}, phase.title), ` · round ${room.round_index + 1} of ${protocol.rounds.length}`, statusText(room) ? ` · ${statusText(room)}` : ""),
    countdown,
    drift,
    h("div", { class: "controls detail-controls", role: "group", "aria-label": `Run ${room.label}` }, buttons),
    buildOpenAsks(room, context.asks, context.answer),
    roomHelp.length ? h("p", { class: "detail-help" }, `${roomHelp.length} help request(s) open: see the queue at the top.`) : null,
    h("h3", {}, "Who is here"),
    h("ul", { class: "presence-roles" }, presenceByRole(room, people, protocol).map((row) => h("li", { "data-presence": row.key }, presenceLine(row)))),
    h("h3", {}, "Connections and their clocks"),
    buildClockTable(room, people, protocol),
    h("h3", {}, "Timeline"),
    buildTimeline(room, protocol),
  );
  function tick() {
    const remaining = remainingMs(room, clock);
    const text = remaining === null ? (room.status === "not_started" ? formatClock(phaseLength(protocol, room, 0, 0) * 1000) : "—") : formatClock(remaining);
    if (countdown.textContent !== text) countdown.textContent = text;
    const words = driftText(room, protocol, event, clock);
    if (drift.textContent !== words) drift.textContent = words;
  }
  return { element, tick };
}

export function buildViewOptions(prefs, change, counts) {
  const sort = h("select", { id: "tile-sort", onchange: () => change({ sort: sort.value }) }, [
    h("option", { value: "room", selected: prefs.sort === "room" }, "Room order"),
    h("option", { value: "attention", selected: prefs.sort === "attention" }, "Needs attention first"),
  ]);
  const filter = h("select", { id: "tile-filter", onchange: () => change({ filter: filter.value }) }, [
    h("option", { value: "all", selected: prefs.filter === "all" }, `All rooms (${counts.all})`),
    h("option", { value: "attention", selected: prefs.filter === "attention" }, `Needs attention (${counts.attention})`),
  ]);
  return h("div", { class: "view-options row" }, h("label", { class: "inline" }, "Show", filter), h("label", { class: "inline" }, "Sort", sort));
}

export function buildEventControls(context, actions) {
  const { protocol, event, rooms } = context;
  const roleOptions = [
    h("option", { value: "" }, "Everyone"),
    h("option", { value: "moderator" }, "Moderators"),
    ...protocol.roles.filter((role) => role.id !== protocol.room.moderator).map((role) => h("option", { value: role.id }, role.title)),
  ];
  const roomOptions = [h("option", { value: "" }, "All rooms"), ...rooms.map((room) => h("option", { value: room.id }, room.label))];
  const recallSeconds = h("input", { type: "number", name: "seconds", min: "10", max: "120", value: "60", required: true });
  const text = h("input", { name: "text", required: true, maxlength: "500", placeholder: "Message to rooms" });
  const roomSelect = h("select", { name: "room_id" }, roomOptions);
  const roleSelect = h("select", { name: "role" }, roleOptions);
  const expiry = h("select", { name: "expires" }, [
    h("option", { value: "120" }, "2 min"),
    h("option", { value: "300", selected: true }, "5 min"),
    h("option", { value: "900" }, "15 min"),
    h("option", { value: "" }, "Until dismissed"),
  ]);
  return h(
    "section",
    { class: "event-controls", "aria-labelledby": "event-controls-title" },
    h("h2", { id: "event-controls-title", class: "visually-hidden" }, "Event controls"),
    h("button", { type: "button", class: "primary", id: "start-all", onclick: () => actions.event("event.start_all") }, "Start all rooms"),
    h("button", { type: "button", id: "pause-all", onclick: () => actions.event("event.pause_all") }, "Pause all"),
    h("button", { type: "button", id: "resume-all", onclick: () => actions.event("event.resume_all") }, "Resume all"),
    h("button", { type: "button", id: "switch-format", onclick: () => actions.switchFormat() }, "Switch format…"),
    h("button", { type: "button", id: "fit-to-time", onclick: () => actions.event("event.fit_to_time", {}, "Compress the remaining phases of late rooms so they finish before the recall?") }, "Fit to time"),
    h(
      "form",
      { id: "recall-form", onsubmit: (e) => { e.preventDefault(); actions.event("event.recall", { seconds: Number(recallSeconds.value) }, `Call every room back to the main room in ${recallSeconds.value} seconds?`); } },
      h("label", {}, "Recall countdown (s)", recallSeconds),
      h("button", { type: "submit", class: "danger" }, "Recall everyone"),
    ),
    h(
      "form",
      {
        id: "broadcast-form",
        onsubmit: (e) => {
          e.preventDefault();
          const expires = expiry.value ? { expires_in_seconds: Number(expiry.value) } : {};
          const sent = text.value;
          // Cleared once sent, unless the uber has started the next message meanwhile.
          actions.event("broadcast.send", { text: sent, room_id: roomSelect.value || null, role: roleSelect.value || null, ...expires }).then(() => { if (text.value === sent) text.value = ""; });
        },
      },
      h("label", {}, "Broadcast", text),
      h("label", {}, "To room", roomSelect),
      h("label", {}, "To role", roleSelect),
      h("label", {}, "Show for", expiry),
      h("button", { type: "submit" }, "Send"),
    ),
  );
}

export function buildSchedule(context) {
  const { event, clock } = context;
  const mainRoom = h("span", { id: "main-room-in" });
  const element = h(
    "p",
    { class: "schedule" },
    h("span", {}, `Starts ${formatTime(event.scheduled_start)}`),
    h("span", {}, `Back in the main room at ${formatTime(event.main_room_at)}`),
    mainRoom,
    event.recall_deadline ? h("span", {}, `Recall at ${formatTime(event.recall_deadline)}`) : null,
    h("span", {}, `Status: ${event.status.replace("_", " ")}`),
  );
  function tick() {
    const left = event.main_room_at - clock.serverNow();
    mainRoom.textContent = left > 0 ? `(${formatClock(left)} from now)` : "";
  }
  return { element, tick };
}
