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
// - A phase lasts as the room's current plan says: fit to time may have
//   shortened phases still to come (``room.planned``); "Next" shows that length.
// - After the last phase of a round the page says so: "Round complete" between
//   rounds, "Return to the main room" once the protocol is over.
// - The challenge card is the one of the seat whose role the protocol works on
//   (``protocol.room.challenge_from``): the presenting team's, the coachee's,
//   the client's; none where a protocol works on no one's challenge.

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

// Seconds a phase lasts in the room's current plan: fitted if fit to time changed it.
export function phaseLength(protocol, room, roundIndex, phaseIndex) {
  const fitted = (room.planned ?? []).find((entry) => entry.round_index === roundIndex && entry.phase_index === phaseIndex);
  return fitted ? fitted.seconds : protocol.rounds[roundIndex].phases[phaseIndex].duration_seconds;
}

export function nextStep(protocol, room) {
  const round = protocol.rounds[room.round_index];
  if (room.status === "finished" || room.status === "recalled") return "Next: the main room";
  if (room.status === "between_rounds") {
    const swap = protocol.rotation === "rotate" ? " with roles swapped" : "";
    return `Next: round ${room.round_index + 2}${swap}, when your moderator starts it`;
  }
  if (room.phase_index + 1 < round.phases.length) {
    const next = round.phases[room.phase_index + 1];
    return `Next: ${next.title} (${formatMinutes(Math.round(phaseLength(protocol, room, room.round_index, room.phase_index + 1)))})`;
  }
  if (room.round_index + 1 < protocol.rounds.length) {
    const swap = protocol.rotation === "rotate" ? " with roles swapped" : "";
    return `Next: round ${room.round_index + 2}${swap}`;
  }
  return "Next: back to the main room";
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

// The seat whose challenge the room works on this round, if the protocol works on one.
export function challengeSeat(protocol, room) {
  const role = protocol.room.challenge_from;
  if (!role) return null;
  return room.seats.find((seat) => seat.role === role && seat.team_id) ?? null;
}

// What the page says once a round or the whole protocol is over.
export function endOf(protocol, room) {
  if (room.status === "between_rounds") {
    return {
      title: `Round ${room.round_index + 1} complete`,
      text: `Round ${room.round_index + 2} of ${protocol.rounds.length} starts when your moderator starts it.`,
    };
  }
  if (room.status === "finished") {
    return {
      title: "Return to the main room",
      text: "This room is done: thank you. Leave the breakout room and rejoin the main room.",
    };
  }
  return null;
}

// Builds the room view for one room; returns {element, tick} where tick()
// refreshes the countdown, zone and progress bar.
export function buildRoomView(room, context) {
  const { protocol, you, clock } = context;
  const phase = phaseOf(protocol, room);
  const role = roleFor(room, you, protocol);
  const team = room.seats.find((seat) => seat.team_id === you.team_id);
  const presenter = challengeSeat(protocol, room);
  const end = endOf(protocol, room);

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
    h("h1", { class: "phase-title", id: "phase-title" }, end ? end.title : phase.title),
    end ? h("p", { class: "end-text", id: "end-text" }, end.text) : countdown,
    end ? null : status,
    progress,
  );
  if (end) card.dataset.end = room.status;

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
    h("p", { class: "instruction", id: "instruction" }, end ? end.text : phase.instructions[role] ?? phase.summary),
    end ? null : h("p", { class: "muted" }, "Speaking now: ", phase.speakers.map((id) => roleTitle(protocol, id)).join(", ")),
  );

  const prompts = !end && phase.prompts.length
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
        h("h2", { id: "challenge-title" }, `${roleTitle(protocol, presenter.role)} · ${presenter.team_name}: the challenge`),
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

  const element = h("div", { class: "room", "data-room": room.id }, card, end ? null : instruction, prompts, next, challenge, seats);

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
  { action: "start", label: "Start", key: "s", slot: "run", when: ["not_started"] },
  { action: "pause", label: "Pause", key: " ", keyName: "Space", slot: "run", when: ["running", "overtime"] },
  { action: "resume", label: "Resume", key: " ", keyName: "Space", slot: "run", when: ["paused"] },
  { action: "back", label: "Back", key: "b", when: ["running", "overtime", "paused", "between_rounds"], confirm: "Go back to the previous phase? It starts again from its full length." },
  { action: "next", label: "Next phase", key: "n", when: ["running", "overtime", "paused", "between_rounds"] },
  { action: "adjust_time", seconds: -60, label: "−1 min", key: "-", slot: "less", when: ["running", "overtime", "paused"] },
  { action: "adjust_time", seconds: 60, label: "+1 min", key: "+", keyAlt: "=", slot: "more", when: ["running", "overtime", "paused"] },
  { action: "restart_phase", label: "Restart phase", key: "r", when: ["running", "overtime", "paused"], confirm: "Restart this phase from its full length? The time used so far is lost.", secondary: true },
  { action: "finish", label: "Finish", key: "f", when: ["not_started", "running", "overtime", "paused", "between_rounds"], confirm: "Finish the protocol for this room now? This cannot be undone.", secondary: true },
];

// The moderator's bar: fixed at the bottom of the screen so the controls are in
// view on a phone and a desktop without scrolling. The main actions are buttons;
// the rare, confirmed ones (restart, finish) sit behind "More"; extras (the swap
// of who presents first, before the start) join the main ones.
// Every button names a slot (start, pause and resume share one) so focus can
// stay on the control that was used when the bar is rebuilt.
export function buildControls(room, run, extras = []) {
  const available = ACTIONS.filter((item) => item.when.includes(room.status));
  const button = (item) =>
    h(
      "button",
      {
        type: "button",
        class: item.action === "start" || item.action === "next" ? "primary" : item.action === "finish" ? "danger" : null,
        "data-action": item.action,
        "data-slot": item.slot ?? item.action,
        "aria-keyshortcuts": item.keyName ?? item.key,
        onclick: () => run(item),
      },
      item.label,
    );
  const main = [...available.filter((item) => !item.secondary).map(button), ...extras.filter(Boolean)];
  const more = available.filter((item) => item.secondary).map(button);
  const hints = available
    .map((item) => `${item.keyName ?? item.key.toUpperCase()}: ${item.label}`)
    .filter((value, index, all) => all.indexOf(value) === index);
  return h(
    "section",
    { class: "moderator-bar", id: "moderator-bar", "aria-labelledby": "controls-title" },
    h("h2", { id: "controls-title", class: "visually-hidden" }, "Moderator controls"),
    h(
      "div",
      { class: "controls", id: "controls" },
      main,
      more.length
        ? h("details", { class: "more-controls", id: "more-controls" }, h("summary", { "data-slot": "more-menu" }, "More"), h("div", { class: "more-list" }, more))
        : null,
    ),
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

// The full-screen clock for screen sharing: the countdown, the phase and what
// comes next, in large type, and nothing else.
export function buildClockView(room, context, exit) {
  const { protocol, clock } = context;
  const phase = phaseOf(protocol, room);
  const end = endOf(protocol, room);
  const countdown = h("p", { class: "clock-countdown", id: "clock-countdown", "aria-label": "Time left in this phase" }, "--:--");
  const element = h(
    "section",
    { class: "clock-view", id: "clock-view", "aria-labelledby": "clock-phase" },
    h("p", { class: "clock-room" }, `${room.label} · round ${room.round_index + 1} of ${protocol.rounds.length}`),
    h("h1", { class: "clock-phase", id: "clock-phase" }, end ? end.title : phase.title),
    end ? h("p", { class: "clock-next" }, end.text) : countdown,
    h("p", { class: "clock-next", id: "clock-next" }, nextStep(protocol, room)),
    h("button", { type: "button", id: "clock-exit", class: "clock-exit", onclick: exit }, "Leave the clock view"),
  );
  function tick() {
    const remaining = remainingMs(room, clock);
    const zone = zoneOf(room, remaining, protocol);
    element.dataset.zone = zone;
    let text;
    if (remaining !== null) text = formatClock(remaining);
    else if (room.status === "not_started") text = formatClock(phaseLength(protocol, room, 0, 0) * 1000);
    else text = "0:00";
    if (countdown.textContent !== text) countdown.textContent = text;
  }
  return { element, tick };
}
