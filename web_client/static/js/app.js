// The live page: holds what the server said, renders the view for this
// person's role, and keeps the countdowns moving.
//
// Rules:
// - A snapshot replaces everything; a room.updated replaces one room and an
//   event.updated the event if its version is newer; a version gap asks for a
//   fresh snapshot instead.
// - Countdowns are recomputed every animation frame (throttled to 4 Hz) and
//   at once when a hidden tab becomes visible; no per-second messages.
// - Milestones (a phase starts, one minute left, a recall) chime, flash and
//   are announced to screen readers; nothing else is announced. A new help
//   request chimes its own sound on the dashboard.
// - A control keeps keyboard focus across a rebuild: buttons name a focus key
//   or a slot (start, pause and resume share one), found again afterwards.
// - "?display=clock" (or the clock button) shows only the full-screen clock.

import { LiveConnection } from "./connection.js";
import { Chime } from "./chime.js";
import { h, announce, formatClock, formatMinutes, formatTime, saveFromServer } from "./dom.js";
import { buildRoomView, buildControls, buildClockView, actionForKey, phaseLength, phaseOf, roleFor, roleTitle, remainingMs } from "./room_view.js";
import { buildTile, buildEventControls, buildSchedule, buildRoomDetail, buildViewOptions } from "./dashboard.js";
import { attentionOf, arrangeRooms } from "./attention.js";
import { buildHelpQueue, TitleFlash } from "./help_queue.js";
import { BroadcastShelf } from "./broadcasts.js";
import { WarningWatch } from "./warnings.js";
import { plainRefusal } from "./refusals.js";
import { NotesPanel } from "./notes.js";
import { FeedbackForm, buildFeedbackSummary } from "./feedback.js";
import { buildAskBox, buildOpenAsks } from "./asks.js";
import { FormsPanel } from "./forms.js";
import { openFormatSwitch } from "./format_switch.js";
import { agendaText, buildAgendaControls, buildAgendaStrip } from "./agenda.js";

// The page's settings come as data, not as a script (the CSP allows no inline script).
const { token, view } = JSON.parse(document.getElementById("consult-config").textContent);
const main = document.getElementById("main");
const chime = new Chime();

const state = {
  you: null,
  event: null,
  protocol: null,
  protocols: {},
  agenda: null,
  rooms: new Map(),
  help: new Map(),
  feedback: new Map(),
  asks: new Map(),
  presence: {},
  recallShown: null,
  detailRoomId: null,
  prefs: { sort: "room", filter: "all", ...JSON.parse(localStorage.getItem("consult.dashboard") || "{}") },
  clockMode: new URLSearchParams(location.search).get("display") === "clock",
};
const warnings = new WarningWatch();
const titleFlash = new TitleFlash();
let tickers = [];
let currentRoomView = null;

const connection = new LiveConnection(token, { onMessage: receive, onState: showConnection });
const shelf = new BroadcastShelf(document.getElementById("banners"), connection.clock);
// Built once: it holds what a person is typing, across reconnects and page rebuilds.
const notes = view === "dashboard" ? null : new NotesPanel(connection, (error) => showError(error));
const finalThoughts = notes ? new FeedbackForm(connection, notes) : null;
if (notes) notes.onConsent = () => render();
// Built once: it holds what a person is answering across reconnects.
const reflection = view === "dashboard" ? null : new FormsPanel(token);
reflection?.load();

// -- connection state ----------------------------------------------------------------

function showConnection(status, delay) {
  const badge = document.getElementById("connection");
  badge.dataset.state = status;
  badge.textContent = {
    connecting: "Connecting…",
    open: "Connected",
    reconnecting: delay !== undefined ? `Reconnecting in ${Math.ceil(delay / 1000)} s…` : "Reconnecting…",
    refused: "This link no longer works",
  }[status] ?? status;
}

// -- messages ----------------------------------------------------------------------------

function receive(message) {
  switch (message.type) {
    case "snapshot":
      applySnapshot(message);
      break;
    case "room.updated":
      applyRoomUpdate(message);
      break;
    case "event.updated":
      // Versions only grow: an update queued before a snapshot may arrive after it.
      if (state.event && message.event.version <= state.event.version) break;
      if (state.event && message.event.version > state.event.version + 1) {
        connection.raw({ type: "snapshot.request" });
        break;
      }
      state.event = message.event;
      render();
      break;
    case "note.updated":
      notes?.noteUpdated(message.note);
      break;
    case "ask.updated": {
      const held = state.asks.get(message.ask.id);
      if (held && message.ask.version <= held.version) break;
      state.asks.set(message.ask.id, message.ask);
      if (message.ask.status === "open" && view !== "room") chime.play("warning");
      render();
      break;
    }
    case "feedback.updated": {
      const held = state.feedback.get(message.feedback.id);
      if (held && message.feedback.version <= held.version) break;
      state.feedback.set(message.feedback.id, message.feedback);
      render();
      break;
    }
    case "help.updated": {
      const held = state.help.get(message.help.id);
      if (held && message.help.version <= held.version) break;
      state.help.set(message.help.id, message.help);
      // A new request has its own sound, distinct from the phase and warning chimes.
      if (view === "dashboard" && !held && message.help.status === "open") chime.play("help");
      render();
      break;
    }
    case "presence.updated":
      state.presence[message.room_id] = message.people;
      if (view === "dashboard") render();
      break;
    case "broadcast.message":
      shelf.add(message);
      if (view !== "dashboard") announce(`${message.sender}: ${message.text}`);
      chime.play("warning");
      break;
    case "setup.changed":
      connection.raw({ type: "snapshot.request" });
      break;
    case "agenda.updated":
      if (state.agenda && message.agenda.version <= state.agenda.version) break;
      state.agenda = message.agenda;
      if (view !== "dashboard" && message.agenda.status === "running") {
        announce(`Now: ${message.agenda.segments[message.agenda.index].title}.`);
      }
      render();
      break;
    case "error":
      shelf.showError(message.message);
      break;
    default:
      break;
  }
}

function applySnapshot(snapshot) {
  state.you = snapshot.you;
  state.event = snapshot.event;
  state.protocol = snapshot.protocol;
  state.protocols = snapshot.protocols ?? {};
  state.agenda = snapshot.agenda ?? null;
  state.rooms = new Map(snapshot.rooms.map((room) => [room.id, room]));
  state.help = new Map(snapshot.help.map((item) => [item.id, item]));
  state.presence = snapshot.presence;
  state.feedback = new Map(snapshot.feedback.map((item) => [item.id, item]));
  state.asks = new Map(snapshot.asks.map((item) => [item.id, item]));
  notes?.loadSnapshot(snapshot);
  finalThoughts?.loadSnapshot(snapshot);
  render(null, true);
}

function applyRoomUpdate(message) {
  const held = state.rooms.get(message.room.id);
  if (held && message.room.version <= held.version) return;
  if (held && message.room.version > held.version + 1) {
    connection.raw({ type: "snapshot.request" });
    return;
  }
  if (message.room.protocol_id !== state.event.protocol_id && !state.protocols[message.room.protocol_id]) {
    // Re-formed in another format: the snapshot brings that protocol's timeline.
    connection.raw({ type: "snapshot.request" });
    return;
  }
  state.rooms.set(message.room.id, message.room);
  const mine = view !== "dashboard";
  if (message.events.includes("run.reformed") && mine) {
    const protocol = protocolOf(message.room);
    announce(`This room is now ${protocol.title}. Your role: ${roleTitle(protocol, roleFor(message.room, state.you, protocol))}.`);
  }
  if (message.events.includes("run.fitted") && mine) {
    // Fit to time: the room is told once, with its new lengths.
    const text = fittedText(message.room);
    shelf.add({ id: `fit-${message.room.id}-${message.room.version}`, sender: "Timing", text, at: Date.now(), expires_at: null });
    announce(text);
  }
  if (message.events.includes("phase.started")) {
    if (mine) {
      const protocol = protocolOf(message.room);
      const phase = phaseOf(protocol, message.room);
      const role = roleFor(message.room, state.you, protocol);
      chime.play("phase");
      announce(`Now: ${phase.title}. ${phase.instructions[role] ?? ""}`);
    }
  }
  render(message.events.includes("phase.started") ? message.room.id : null);
}

// What a room is told after fit to time: the phases still to come and their new lengths.
function fittedText(room) {
  const protocol = protocolOf(room);
  const round = protocol.rounds[room.round_index];
  const later = (room.planned ?? []).filter((entry) => entry.round_index === room.round_index && entry.phase_index > room.phase_index);
  const lengths = later.map((entry) => `${round.phases[entry.phase_index].title} ${formatMinutes(Math.round(entry.seconds))}`);
  const end = room.projected_end ? ` This room now ends at ${formatTime(room.projected_end)}.` : "";
  return `The schedule was fitted to time: this phase ends ${room.deadline ? `at ${formatTime(room.deadline)}` : "as planned"}${lengths.length ? `; then ${lengths.join(", ")}` : ""}.${end}`;
}

// -- rendering -------------------------------------------------------------------------------

// The protocol a room runs: the event's, or the one a format switch re-formed it in.
function protocolOf(room) {
  return (room && state.protocols[room.protocol_id]) || state.protocol;
}

function context(room = null) {
  return {
    protocol: protocolOf(room),
    you: state.you,
    clock: connection.clock,
    event: state.event,
    presence: state.presence,
    help: [...state.help.values()],
    asks: [...state.asks.values()],
    rooms: [...state.rooms.values()],
    answer: actions.answer,
  };
}

// Parts of the page that hold what a person is typing are built once per
// snapshot; everything else is rebuilt from state on every change.
let layout = null;

function buildLayout() {
  main.replaceChildren();
  if (view === "dashboard") {
    layout = {
      agenda: h("div"),
      schedule: h("div", { class: "dashboard-head-schedule" }),
      helpQueue: h("div", { class: "help-queue-slot" }),
      agendaControls: h("div"),
      controls: buildEventControls(context(), actions),
      viewOptions: h("div"),
      tiles: h("div", { class: "tiles", id: "tiles" }),
      feedback: h("div"),
    };
    main.append(
      layout.agenda,
      layout.helpQueue,
      h("div", { class: "dashboard-head" }, h("h1", {}, "Every room"), layout.schedule, layout.viewOptions),
      layout.controls,
      layout.tiles,
      layout.agendaControls,
      layout.feedback,
    );
  } else if (state.clockMode) {
    layout = { agenda: h("div"), room: h("div") };
    main.append(layout.agenda, layout.room);
  } else {
    layout = { agenda: h("div"), room: h("div"), controls: h("div"), asks: h("div"), help: null, helpStatus: h("p", { role: "status" }) };
    main.append(layout.agenda, layout.room, layout.asks, layout.controls);
    if (state.rooms.size) main.append(finalThoughts.element, notes.element, reflection.element);
    if (state.you.access === "member" || state.you.access === "moderator") {
      layout.help = helpBox(layout.helpStatus);
      main.append(layout.help);
    }
    if (state.you.access === "member") main.append(teamDataBox());
    main.append(nameBox(), clockToggle());
  }
}

// The name a person gives is shown to their room's moderator and the uber moderators
// beside their connection; remembered on this device, sent again on every reconnect.
function nameBox() {
  const key = `consult.name.${token.slice(0, 12)}`;
  const input = h("input", { name: "name", id: "your-name", maxlength: "60", autocomplete: "name", value: localStorage.getItem(key) ?? "" });
  const status = h("p", { role: "status", class: "muted" });
  const save = (event) => {
    event?.preventDefault();
    const name = input.value.trim();
    localStorage.setItem(key, name);
    connection.setName(name).then(() => { status.textContent = name ? `Shown as ${name}.` : "No name shown."; }).catch(showError);
  };
  // Given once per page load; the connection gives it again after every reconnect.
  if (input.value && connection.name !== input.value.trim()) connection.setName(input.value.trim()).catch(() => {});
  return h(
    "section",
    { class: "card name-box", "aria-labelledby": "name-title" },
    h("h2", { id: "name-title" }, "Your name (optional)"),
    h("form", { class: "row", onsubmit: save }, h("label", {}, "Shown to the moderators", input), h("button", { type: "submit" }, "Save name")),
    status,
  );
}

function clockToggle() {
  return h(
    "section",
    { class: "card", "aria-labelledby": "clock-title" },
    h("h2", { id: "clock-title" }, "Share the clock"),
    h("p", {}, "A full-screen clock to share on the video call: the countdown, the phase and what comes next."),
    h("button", { type: "button", id: "clock-view-on", onclick: () => setClockMode(true) }, "Full-screen clock"),
    " ",
    h("a", { href: `${location.pathname}?display=clock`, id: "clock-link" }, "Link to the clock view"),
  );
}

function setClockMode(on) {
  state.clockMode = on;
  document.body.classList.toggle("clock-mode", on);
  const url = new URL(location.href);
  if (on) url.searchParams.set("display", "clock");
  else url.searchParams.delete("display");
  history.replaceState(null, "", url);
  if (on && document.documentElement.requestFullscreen && !document.fullscreenElement) {
    document.documentElement.requestFullscreen().catch(() => {});
  } else if (!on && document.fullscreenElement) {
    document.exitFullscreen().catch(() => {});
  }
  render(null, true);
  (on ? document.getElementById("clock-exit") : document.getElementById("clock-view-on"))?.focus();
}

// Keyboard focus across a rebuild: the focused control's focus key (or slot) now.
function focusKey() {
  const active = document.activeElement;
  if (!active || active === document.body) return null;
  if (active.dataset?.focus) return `[data-focus="${active.dataset.focus}"]`;
  if (active.dataset?.slot) return `[data-slot="${active.dataset.slot}"]`;
  return null;
}

function restoreFocus(container, key) {
  // Only when the rebuild took the focus away (the focused control was replaced).
  const active = document.activeElement;
  if (!key || (active && active !== document.body && active.isConnected)) return;
  container.querySelector(key)?.focus();
}

function render(flashRoomId = null, rebuild = false) {
  if (!state.protocol) return;
  document.getElementById("event-title").textContent = state.event.title;
  if (rebuild || layout === null) buildLayout();
  tickers = [];
  if (state.agenda) {
    const strip = buildAgendaStrip(state.agenda, connection.clock);
    tickers.push(strip.tick);
    layout.agenda.replaceChildren(strip.element);
  }
  if (view === "dashboard") {
    const schedule = buildSchedule(context());
    tickers.push(schedule.tick);
    layout.schedule.replaceChildren(schedule.element);
    const focusedAgenda = document.activeElement?.dataset?.agenda;
    layout.agendaControls.replaceChildren(buildAgendaControls(state.agenda, actions.agenda));
    if (focusedAgenda) layout.agendaControls.querySelector(`[data-agenda="${focusedAgenda}"]`)?.focus();
    const focused = focusKey();
    renderHelpQueue();
    const reasonsOf = (room) => attentionOf(room, { help: [...state.help.values()], asks: [...state.asks.values()], people: state.presence[room.id] ?? [] });
    const rooms = [...state.rooms.values()];
    const arranged = arrangeRooms(rooms, state.prefs, reasonsOf);
    const tiles = [];
    for (const { room, reasons } of arranged) {
      const tile = buildTile(room, context(room), reasons, (id) => openRoom(id));
      tickers.push(tile.tick);
      tiles.push(tile.element);
    }
    if (!tiles.length) tiles.push(h("p", { class: "muted" }, "No room needs attention now."));
    layout.tiles.replaceChildren(...tiles);
    layout.viewOptions.replaceChildren(
      buildViewOptions(state.prefs, (change) => {
        state.prefs = { ...state.prefs, ...change };
        localStorage.setItem("consult.dashboard", JSON.stringify(state.prefs));
        render();
      }, { all: rooms.length, attention: rooms.filter((room) => reasonsOf(room).length).length }),
    );
    layout.feedback.replaceChildren(buildFeedbackSummary(rooms, [...state.feedback.values()]));
    renderRoomDetail();
    restoreFocus(main, focused);
    currentRoomView = null;
  } else {
    const room = [...state.rooms.values()][0];
    if (room && state.clockMode) {
      document.getElementById("room-label").textContent = room.label;
      const clockView = buildClockView(room, context(room), () => setClockMode(false));
      currentRoomView = { room };
      tickers.push(clockView.tick);
      layout.room.replaceChildren(clockView.element);
    } else if (!room) {
      layout.room.replaceChildren(
        h(
          "p",
          { id: "no-room" },
          state.you.access === "member" && !state.you.room_id
            ? "Your team is not in a breakout room right now: stay in the main room. This page shows your room as soon as you have one."
            : "This room has not been set up yet.",
        ),
      );
    } else {
      document.getElementById("room-label").textContent = room.label;
      const roomView = buildRoomView(room, context(room));
      currentRoomView = { room, ...roomView };
      tickers.push(roomView.tick);
      layout.room.replaceChildren(roomView.element);
      notes.update(room);
      finalThoughts.update(room, protocolOf(room), notes.you?.consented ?? false);
      const asks = [...state.asks.values()];
      const over = room.status === "finished" || room.status === "recalled";
      if (state.you.access === "member") layout.asks.replaceChildren(over ? "" : buildAskBox(room, asks, (kind) => actions.ask(kind)));
      if (view === "moderator") layout.asks.replaceChildren(buildOpenAsks(room, asks, actions.answer) ?? "");
      if (view === "moderator") {
        const focused = focusKey();
        const wasOpen = layout.controls.querySelector("#more-controls")?.open ?? false;
        layout.controls.replaceChildren(buildControls(room, (item) => runAction(room, item), [swapSeatsButton(room)]));
        const more = layout.controls.querySelector("#more-controls");
        if (more && wasOpen) more.open = true;
        restoreFocus(layout.controls, focused);
      }
      const mine = [...state.help.values()].filter((item) => item.room_id === room.id && item.status !== "resolved");
      layout.helpStatus.textContent = mine
        .map((item) => (item.status === "claimed" ? `${item.claimed_by} is on the way.` : "Help requested: an uber moderator will join you."))
        .join(" ");
      if (flashRoomId === room.id) {
        roomView.card.classList.remove("flash");
        void roomView.card.offsetWidth;
        roomView.card.classList.add("flash");
      }
    }
  }
  tick();
}

// Before the start the pair decides who presents first: the moderator swaps the two seats.
// The change names the setup version this page shows (refused if the setup changed since).
function swapSeatsButton(room) {
  const rotating = room.seats.filter((seat) => !seat.fixed);
  if (room.status !== "not_started" || rotating.length !== 2 || !rotating.every((seat) => seat.team_id)) return null;
  const swap = async () => {
    const response = await fetch(`/api/rooms/${room.id}/seats`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ setup_version: state.event.setup_version, team_ids: [rotating[1].team_id, rotating[0].team_id] }),
    });
    if (response.ok) {
      announce(`${rotating[1].team_name} now presents first.`);
    } else {
      const data = await response.json().catch(() => ({}));
      showError(new Error(data.error?.code === "setup.stale" ? "the setup changed meanwhile: the page now shows it; try again" : data.error?.message ?? "not swapped"));
    }
  };
  return h("button", { type: "button", id: "swap-seats", "data-action": "swap-seats", onclick: swap }, `Swap: ${rotating[1].team_name} presents first`);
}

// A team's copy of what is kept about it (notes, final thoughts, its room's timing).
function teamDataBox() {
  const status = h("p", { role: "status" });
  const fetchCopy = async () => {
    const failed = await saveFromServer("/api/export", token, "our-team.json");
    status.textContent = failed ? `Not exported: ${failed}` : "Saved our-team.json.";
  };
  return h(
    "section",
    { class: "card", "aria-labelledby": "team-data-title" },
    h("h2", { id: "team-data-title" }, "Your team's data"),
    h("p", {}, "A copy of everything kept about your team: its notes, final thoughts and your room's timing."),
    h("button", { type: "button", id: "export-team", onclick: fetchCopy }, "Download your team's data (JSON)"),
    status,
  );
}

function helpBox(status) {
  const message = h("input", { name: "message", maxlength: "500", placeholder: "What do you need? (optional)" });
  return h(
    "section",
    { class: "card", "aria-labelledby": "help-title" },
    h("h2", { id: "help-title" }, "Need an uber moderator?"),
    status,
    h(
      "form",
      { class: "row", onsubmit: (e) => { e.preventDefault(); connection.send({ type: "help.request", message: message.value }).then(() => { message.value = ""; }).catch(showError); } },
      h("label", {}, "Message", message),
      h("button", { type: "submit" }, "Ask for help"),
    ),
  );
}

// -- the clock loop ------------------------------------------------------------------------------

let lastTick = 0;
function tick() {
  for (const update of tickers) update();
  if (currentRoomView) checkWarning(state.rooms.get(currentRoomView.room.id) ?? currentRoomView.room);
  shelf.prune();
  updateRecall();
}

function frame(now) {
  if (now - lastTick >= 250) {
    lastTick = now;
    tick();
  }
  requestAnimationFrame(frame);
}

function checkWarning(room) {
  if (room.status !== "running") return;
  const remaining = remainingMs(room, connection.clock);
  const key = `${room.id}:${room.round_index}:${room.phase_index}:${room.phase_started_at}`;
  const threshold = protocolOf(room).warning_seconds * 1000;
  // Given once per phase when the countdown is first seen inside the last minute,
  // however far inside: at a rehearsal speed a frame spans many seconds.
  if (warnings.check(key, remaining, threshold)) {
    chime.play("warning");
    announce(`${Math.round(threshold / 60000) || 1} minute left in ${phaseOf(protocolOf(room), room).title}.`);
  }
}

// -- recall -------------------------------------------------------------------------------------------

function recallDeadline() {
  if (state.event?.status === "recalling" || state.event?.status === "main_room") return state.event.recall_deadline;
  const recalled = [...state.rooms.values()].find((room) => room.status === "recalled");
  return recalled ? recalled.recall_deadline : null;
}

// Milliseconds until the recall countdown reaches zero, computed at the instant of the call.
function recallRemainingMs() {
  const deadline = recallDeadline();
  return deadline ? deadline - connection.clock.serverNow() : null;
}

function updateRecall() {
  const overlay = document.getElementById("recall");
  const deadline = recallDeadline();
  if (!deadline || (view === "dashboard" && state.recallDismissed === deadline)) {
    overlay.hidden = true;
    return;
  }
  const left = recallRemainingMs();
  if (state.recallShown !== deadline) {
    state.recallShown = deadline;
    chime.play("recall");
    announce(`Return to the main room: ${Math.max(0, Math.ceil(left / 1000))} seconds.`);
    if (view === "dashboard" && !document.getElementById("recall-hide")) {
      overlay.querySelector(".recall-inner").append(
        h("button", { type: "button", id: "recall-hide", onclick: () => { state.recallDismissed = recallDeadline(); updateRecall(); } }, "Back to the dashboard"),
      );
    }
  }
  overlay.hidden = false;
  const count = document.getElementById("recall-count");
  const text = left > 0 ? formatClock(left) : "0:00";
  if (count.textContent !== text) count.textContent = text;
  document.getElementById("recall-note").textContent =
    left > 0 ? "Please leave the breakout room when the countdown ends." : "Please return to the main room now.";
  // Back in the main room, the session goes on: the segment the recall led into, counting down.
  const segment = state.agenda?.segments[state.agenda.index];
  const now = segment && segment.kind === "main" && left <= 0 ? agendaText(state.agenda, connection.clock) : null;
  const line = now ? `Now in the main room: ${now.title}, ${now.count}` : "";
  const agendaLine = document.getElementById("recall-agenda");
  if (agendaLine.textContent !== line) agendaLine.textContent = line;
}

// -- actions ---------------------------------------------------------------------------------------------

function confirmAction(text) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    document.getElementById("confirm-ok").focus();
  });
}

async function runAction(room, item) {
  if (item.confirm && !(await confirmAction(item.confirm))) return;
  const current = state.rooms.get(room.id) ?? room;
  const message = { type: "room.command", room_id: room.id, action: item.action, expected_version: current.version };
  if (item.seconds) message.seconds = item.seconds;
  try {
    await connection.send(message);
  } catch (error) {
    if (error.code !== "command.stale") {
      showError(error);
      return;
    }
    // Someone pressed first (or the timer moved on): the page refreshes, then says
    // in words what the room did meanwhile.
    const now = await roomNewerThan(room.id, current.version);
    showError(new Error(plainRefusal(current, now, protocolOf(now ?? current))));
  }
}

// The room once this page holds a version newer than `version` (asking for a fresh
// snapshot if none arrives at once); null if none came within two seconds.
async function roomNewerThan(roomId, version) {
  const newer = () => {
    const room = state.rooms.get(roomId);
    return room && room.version > version ? room : null;
  };
  if (newer()) return newer();
  connection.raw({ type: "snapshot.request" });
  for (let waited = 0; waited < 2000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (newer()) return newer();
  }
  return null;
}

const actions = {
  command(room, action, seconds, confirm) {
    return runAction(room, { action, seconds, confirm });
  },
  openRoom: (roomId) => openRoom(roomId),
  closeRoom: () => document.getElementById("room-detail").close(),
  async event(type, payload = {}, confirmText = null) {
    // The action is made against the event as the uber moderator saw it when pressing:
    // if another uber moderator changed it meanwhile, the server refuses and says what happened.
    const versioned = type.startsWith("event.") ? { expected_version: state.event?.version } : {};
    if (confirmText && !(await confirmAction(confirmText))) return;
    try {
      const reply = await connection.send({ type, ...payload, ...versioned });
      if (type === "event.fit_to_time") {
        const detail = reply.detail;
        const problems = Object.values(detail.impossible);
        showBanner({ id: `fit${Date.now()}`, sender: "consult", text: `Fit to time: ${detail.fitted.length} room(s) compressed, ${detail.on_time.length} already on time${problems.length ? `; could not fit ${problems.length}: ${problems[0]}` : ""}.` });
      }
    } catch (error) {
      showError(error);
    }
  },
  // The main-room clock, over REST (uber moderators); the change reaches every page as
  // an agenda.updated.
  async agenda(body) {
    const response = await fetch("/api/event/agenda", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      showError(new Error(data.error?.message ?? `the agenda was not changed (${response.status})`));
    }
  },
  switchFormat() {
    return openFormatSwitch({
      token,
      state,
      confirmAction,
      done: (text) => showBanner({ id: `switch${Date.now()}`, sender: "consult", text }),
    }).catch(showError);
  },
  ask(kind) {
    return connection.send({ type: "room.ask", kind }).catch(showError);
  },
  answer(ask, accept) {
    return connection.send({ type: "room.answer", ask_id: ask.id, accept, expected_version: ask.version }).catch(showError);
  },
  help(type, helpId) {
    const expected_version = state.help.get(helpId)?.version;
    return connection.send({ type, help_id: helpId, expected_version }).catch(showError);
  },
};

function showError(error) {
  shelf.showError(error.message);
}

function showBanner(message) {
  shelf.add({ expires_at: null, ...message });
}

// -- the dashboard's help queue and room detail ---------------------------------------------

function renderHelpQueue() {
  const queue = buildHelpQueue(
    { help: [...state.help.values()], rooms: state.rooms, protocolOf, clock: connection.clock },
    { help: actions.help, openRoom },
  );
  tickers.push(queue.tick);
  layout.helpQueue.replaceChildren(queue.element);
  titleFlash.set(queue.waiting);
}

function openRoom(roomId) {
  state.detailRoomId = roomId;
  const dialog = document.getElementById("room-detail");
  renderRoomDetail();
  if (!dialog.open) {
    dialog.addEventListener("close", () => {
      const opened = state.detailRoomId;
      state.detailRoomId = null;
      document.querySelector(`[data-focus="tile-${opened}"]`)?.focus();
    }, { once: true });
    dialog.showModal();
    dialog.querySelector("[data-focus=detail-close]")?.focus();
  }
}

function renderRoomDetail() {
  const dialog = document.getElementById("room-detail");
  const room = state.detailRoomId ? state.rooms.get(state.detailRoomId) : null;
  if (!room) {
    if (dialog.open) dialog.close();
    return;
  }
  const focused = focusKey();
  const detail = buildRoomDetail(room, context(room), actions);
  tickers.push(detail.tick);
  dialog.replaceChildren(detail.element);
  if (focused && dialog.open) restoreFocus(dialog, focused);
}

// -- sound and keyboard ------------------------------------------------------------------------------------

function setUpSound() {
  const mute = document.getElementById("mute");
  const volume = document.getElementById("volume");
  const show = () => {
    mute.textContent = chime.muted ? "Sound off" : "Sound on";
    mute.setAttribute("aria-pressed", String(chime.muted));
  };
  volume.value = String(chime.volume);
  mute.addEventListener("click", () => { chime.muted = !chime.muted; chime.save(); show(); });
  volume.addEventListener("input", () => { chime.volume = Number(volume.value); chime.save(); });
  document.getElementById("test-sound").addEventListener("click", () => chime.play("phase", true));
  show();
}

document.addEventListener("keydown", (event) => {
  if (view !== "moderator" || !currentRoomView || state.clockMode || document.getElementById("confirm").open) return;
  const room = state.rooms.get(currentRoomView.room.id);
  const item = room && actionForKey(event, room);
  if (item) {
    event.preventDefault();
    runAction(room, item);
  }
});

document.addEventListener("visibilitychange", () => {
  // The connection pings at once on its own when the page becomes visible.
  if (!document.hidden) {
    tick();
  }
});

// Hooks for tests and for anyone checking a screen from the console.
window.consult = {
  state,
  clock: connection.clock,
  remainingMs(roomId) {
    const room = roomId ? state.rooms.get(roomId) : [...state.rooms.values()][0];
    return room ? remainingMs(room, connection.clock) : null;
  },
  recallRemainingMs,
  openRoom,
};

setUpSound();
document.body.classList.toggle("clock-mode", state.clockMode);
connection.connect();
requestAnimationFrame(frame);
