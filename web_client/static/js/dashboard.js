// The uber moderators' dashboard: every room at once, and the event's controls.
//
// Rules: one tile per room with its phase, time left, drift from the plan,
// who is connected by role, and open help requests; event-wide controls act
// on every room at one server instant.

import { buildOpenAsks } from "./asks.js";
import { h, formatClock, formatTime, videoLink } from "./dom.js";
import { phaseOf, remainingMs, statusText, zoneOf } from "./room_view.js";

const ACCESS_TITLES = { moderator: "moderator", member: "team member", observer: "observer", uber: "uber" };

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

export function peopleText(people) {
  if (!people || people.length === 0) return "Nobody connected";
  const counts = {};
  for (const person of people) counts[person.role] = (counts[person.role] ?? 0) + 1;
  return Object.entries(counts)
    .map(([role, count]) => `${count} ${ACCESS_TITLES[role] ?? role}${count > 1 ? "s" : ""}`)
    .join(", ");
}

export function buildTile(room, context, actions) {
  const { protocol, clock, event, presence, help, asks } = context;
  const phase = phaseOf(protocol, room);
  const countdown = h("p", { class: "countdown", "data-countdown": room.id }, "--:--");
  const drift = h("p", { class: "drift" });
  const openHelp = help.filter((item) => item.room_id === room.id && item.status !== "resolved");
  const tile = h(
    "article",
    { class: "tile", "data-room": room.id, "aria-labelledby": `tile-${room.id}` },
    h("h2", { id: `tile-${room.id}` }, room.label, room.video_room || room.video_url ? h("span", { class: "muted" }, " · ", videoLink(room)) : null),
    h("p", { class: "muted" }, room.seats.map((seat) => seat.team_name).join(" & ")),
    h("p", {}, h("strong", {}, phase.title), ` · round ${room.round_index + 1}`),
    countdown,
    h("p", { class: "status" }, statusText(room)),
    drift,
    h("p", { class: "people" }, peopleText(presence[room.id])),
    h(
      "div",
      { class: "row" },
      room.status === "not_started" ? h("button", { type: "button", onclick: () => actions.command(room, "start") }, `Start ${room.label}`) : null,
      ["running", "overtime"].includes(room.status) ? h("button", { type: "button", onclick: () => actions.command(room, "pause") }, `Pause ${room.label}`) : null,
      room.status === "paused" ? h("button", { type: "button", onclick: () => actions.command(room, "resume") }, `Resume ${room.label}`) : null,
      ["running", "overtime", "paused", "between_rounds"].includes(room.status)
        ? h("button", { type: "button", onclick: () => actions.command(room, "next") }, `Next phase in ${room.label}`)
        : null,
      ["running", "overtime", "paused"].includes(room.status)
        ? h("button", { type: "button", onclick: () => actions.command(room, "adjust_time", 60) }, `+1 min in ${room.label}`)
        : null,
    ),
    buildOpenAsks(room, asks, actions.answer),
    openHelp.length
      ? h(
          "div",
          { class: "help", role: "group", "aria-label": `Help requests from ${room.label}` },
          openHelp.map((item) =>
            h(
              "p",
              {},
              h("strong", {}, "Help: "),
              `${item.requested_by || item.role} during ${protocol.rounds[item.round_index]?.phases.find((p) => p.id === item.phase_id)?.title ?? item.phase_id}`,
              item.message ? ` “${item.message}”` : "",
              item.status === "claimed" ? ` · claimed by ${item.claimed_by}` : "",
              " ",
              item.status === "open" ? h("button", { type: "button", onclick: () => actions.help("help.claim", item.id) }, "Claim") : null,
              h("button", { type: "button", onclick: () => actions.help("help.resolve", item.id) }, "Resolve"),
            ),
          ),
        )
      : null,
  );

  function tick() {
    const remaining = remainingMs(room, clock);
    const zone = zoneOf(room, remaining, protocol);
    tile.dataset.zone = zone;
    const text = remaining === null ? (room.status === "not_started" ? formatClock(phase.duration_seconds * 1000) : "—") : formatClock(remaining);
    if (countdown.textContent !== text) countdown.textContent = text;
    countdown.dataset.remainingMs = remaining === null ? "" : String(Math.round(remaining));
    drift.textContent = driftText(room, protocol, event, clock);
    drift.classList.toggle("drift-late", drift.textContent.includes("behind"));
  }
  return { element: tile, tick };
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
          actions.event("broadcast.send", { text: text.value, room_id: roomSelect.value || null, role: roleSelect.value || null }).then(() => { text.value = ""; });
        },
      },
      h("label", {}, "Broadcast", text),
      h("label", {}, "To room", roomSelect),
      h("label", {}, "To role", roleSelect),
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
