// The room view: what a participant glances at during the call, and the
// moderator's controls.
//
// Rules:
// - The countdown is computed from the room's absolute deadline and the
//   synced server clock on every frame; the server never sends per-second
//   updates. A paused room shows its frozen remaining time.
// - This person's instruction comes from their role in the current round
//   (a team's role swaps between rounds).
// - Colour zones: normal, warning (the protocol's last seconds), overtime.

import { h, formatClock, formatMinutes, videoLink } from "./dom.js";

export function roleFor(room, you, protocol) {
  if (you.access === "member") {
    const seat = room.seats.find((s) => s.team_id === you.team_id);
    if (seat) return seat.role;
  }
  if (you.access === "moderator" || you.access === "uber") return protocol.room.moderator;
  if (protocol.room.others) return protocol.room.others;
  return protocol.roles.some((r) => r.id === "observer") ? "observer" : protocol.roles[0].id;
}

export function roleTitle(protocol, roleId) {
  return protocol.roles.find((role) => role.id === roleId)?.title ?? roleId;
}

export function phaseOf(protocol, room) {
  return protocol.rounds[room.round_index].phases[room.phase_index];
}

export function nextStep(protocol, room) {
  const round = protocol.rounds[room.round_index];
  if (room.phase_index + 1 < round.phases.length) {
    const next = round.phases[room.phase_index + 1];
    return `Next: ${next.title} (${formatMinutes(next.duration_seconds)})`;
  }
  if (room.round_index + 1 < protocol.rounds.length) {
    const swap = protocol.rotation === "rotate" ? " with roles swapped" : "";
    return `Next: round ${room.round_index + 2}${swap}`;
  }
  return "Next: the end of the protocol";
}

// Milliseconds left in the current phase, or null when no phase is under way.
export function remainingMs(room, clock) {
  if (room.status === "running" || room.status === "overtime") return room.deadline - clock.serverNow();
  if (room.status === "paused") return room.remaining_ms;
  return null;
}

export function zoneOf(room, remaining, protocol) {
  if (room.status === "paused") return "paused";
  if (remaining === null) return "idle";
  if (remaining <= 0) return "overtime";
  if (remaining <= protocol.warning_seconds * 1000) return "warning";
  return "normal";
}

export function roundProgress(protocol, room, remaining) {
  const round = protocol.rounds[room.round_index];
  const first = round.phases[0].starts_at_seconds;
  const phase = round.phases[room.phase_index];
  const before = phase.starts_at_seconds - first;
  let inPhase = 0;
  if (remaining !== null) inPhase = Math.min(Math.max(room.phase_length_ms / 1000 - remaining / 1000, 0), phase.duration_seconds);
  if (room.status === "finished" || room.status === "recalled") return 1;
  if (room.status === "between_rounds") return 1;
  return Math.min((before + inPhase) / round.duration_seconds, 1);
}

const STATUS_TEXT = {
  not_started: "Waiting for the moderator to start",
  running: "",
  paused: "Paused",
  overtime: "Over time: the moderator will move on",
  between_rounds: "Round complete: waiting for the next round",
  finished: "Finished",
  recalled: "Returning to the main room",
};

export function statusText(room) {
  return STATUS_TEXT[room.status] ?? room.status;
}

function presenting(protocol, room) {
  const presentingRole = protocol.room.seating[0];
  return room.seats.find((seat) => seat.role === presentingRole);
}

// Builds the room view for one room; returns {element, tick} where tick()
// refreshes the countdown, zone and progress bar.
export function buildRoomView(room, context) {
  const { protocol, you, clock } = context;
  const phase = phaseOf(protocol, room);
  const role = roleFor(room, you, protocol);
  const team = room.seats.find((seat) => seat.team_id === you.team_id);
  const presenter = presenting(protocol, room);

  const countdown = h("p", { class: "countdown", id: "countdown", "aria-label": "Time left in this phase" }, "--:--");
  const bar = h("span");
  const progress = h("div", { class: "progress", role: "progressbar", "aria-label": "Progress through the round", "aria-valuemin": "0", "aria-valuemax": "100" }, bar);
  const status = h("p", { class: "status-line", id: "status-line" }, statusText(room));
  const card = h(
    "section",
    { class: "phase-card", id: "phase-card", "aria-labelledby": "phase-title", "data-phase": phase.id, "data-status": room.status },
    h(
      "div",
      { class: "phase-meta" },
      h("span", {}, `Round ${room.round_index + 1} of ${protocol.rounds.length}`),
      h("span", {}, `Phase ${room.phase_index + 1} of ${protocol.rounds[room.round_index].phases.length}`),
      room.video_room || room.video_url ? h("span", {}, videoLink(room)) : null,
    ),
    h("h1", { class: "phase-title", id: "phase-title" }, phase.title),
    countdown,
    status,
    progress,
  );

  const youLine = h(
    "p",
    { class: "you" },
    "You are: ",
    h("strong", { id: "your-role" }, roleTitle(protocol, role)),
    team ? ` (${team.team_name})` : you.access === "moderator" ? ` (${you.label || "moderator"})` : "",
  );
  const instruction = h(
    "section",
    { class: "card", "aria-labelledby": "now-title" },
    h("h2", { id: "now-title" }, "What you do now"),
    youLine,
    h("p", { class: "instruction", id: "instruction" }, phase.instructions[role] ?? phase.summary),
    h("p", { class: "muted" }, "Speaking now: ", phase.speakers.map((id) => roleTitle(protocol, id)).join(", ")),
  );

  const prompts = phase.prompts.length
    ? h(
        "section",
        { class: "card", "aria-labelledby": "prompts-title" },
        h("h2", { id: "prompts-title" }, "Questions to consider"),
        h("ol", { class: "prompts" }, phase.prompts.map((text) => h("li", {}, text))),
      )
    : null;

  const challenge = presenter && (presenter.challenge || presenter.request)
    ? h(
        "section",
        { class: "card", "aria-labelledby": "challenge-title" },
        h("h2", { id: "challenge-title" }, `${presenter.team_name}: the challenge`),
        presenter.challenge ? h("p", {}, presenter.challenge) : null,
        presenter.request ? h("p", {}, h("strong", {}, "Request for feedback: "), presenter.request) : null,
      )
    : null;

  const seats = h(
    "p",
    { class: "muted", id: "seats" },
    room.seats.map((seat) => `${seat.team_name}: ${roleTitle(protocol, seat.role)}`).join(" · "),
  );
  const next = h("p", { class: "next", id: "next" }, nextStep(protocol, room));

  const element = h("div", { class: "room", "data-room": room.id }, card, instruction, prompts, next, challenge, seats);

  function tick() {
    const remaining = remainingMs(room, clock);
    const zone = zoneOf(room, remaining, protocol);
    card.dataset.zone = zone;
    let text;
    if (remaining !== null) text = formatClock(remaining);
    else if (room.status === "not_started") text = formatClock(phase.duration_seconds * 1000);
    else text = "0:00";
    if (countdown.textContent !== text) countdown.textContent = text;
    countdown.dataset.remainingMs = remaining === null ? "" : String(Math.round(remaining));
    if (zone === "overtime" && room.status === "overtime") status.textContent = "Over time: the moderator will move on";
    else if (zone === "overtime") status.textContent = "Time is up";
    else status.textContent = statusText(room);
    const fraction = roundProgress(protocol, room, remaining);
    bar.style.width = `${(fraction * 100).toFixed(1)}%`;
    progress.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    return { remaining, zone };
  }

  return { element, tick, card, role, phase };
}

// The moderator's controls for one room, with keyboard shortcuts.
export const ACTIONS = [
  { action: "start", label: "Start", key: "s", when: ["not_started"] },
  { action: "pause", label: "Pause", key: " ", keyName: "Space", when: ["running", "overtime"] },
  { action: "resume", label: "Resume", key: " ", keyName: "Space", when: ["paused"] },
  { action: "back", label: "Back", key: "b", when: ["running", "overtime", "paused", "between_rounds"], confirm: "Go back to the previous phase? It starts again from its full length." },
  { action: "next", label: "Next phase", key: "n", when: ["running", "overtime", "paused", "between_rounds"] },
  { action: "adjust_time", seconds: -60, label: "−1 min", key: "-", when: ["running", "overtime", "paused"] },
  { action: "adjust_time", seconds: 60, label: "+1 min", key: "+", keyAlt: "=", when: ["running", "overtime", "paused"] },
  { action: "restart_phase", label: "Restart phase", key: "r", when: ["running", "overtime", "paused"], confirm: "Restart this phase from its full length? The time used so far is lost." },
  { action: "finish", label: "Finish", key: "f", when: ["not_started", "running", "overtime", "paused", "between_rounds"], confirm: "Finish the protocol for this room now? This cannot be undone." },
];

export function buildControls(room, run) {
  const buttons = ACTIONS.filter((item) => item.when.includes(room.status)).map((item) =>
    h(
      "button",
      {
        type: "button",
        class: item.action === "start" || item.action === "next" ? "primary" : item.action === "finish" ? "danger" : null,
        "data-action": item.action,
        "aria-keyshortcuts": item.keyName ?? item.key,
        onclick: () => run(item),
      },
      item.label,
    ),
  );
  const hints = ACTIONS.filter((item) => item.when.includes(room.status))
    .map((item) => `${item.keyName ?? item.key.toUpperCase()}: ${item.label}`)
    .filter((value, index, all) => all.indexOf(value) === index);
  return h(
    "section",
    { class: "card", "aria-labelledby": "controls-title" },
    h("h2", { id: "controls-title" }, "Moderator controls"),
    h("div", { class: "controls", id: "controls" }, buttons),
    h("p", { class: "shortcuts" }, "Keyboard: ", hints.join(" · ")),
  );
}

export function actionForKey(event, room) {
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return null;
  if (target instanceof HTMLButtonElement && event.key === " ") return null;
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const key = event.key.toLowerCase();
  return ACTIONS.find((item) => item.when.includes(room.status) && (item.key === key || item.keyAlt === key)) ?? null;
}
