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
//   are announced to screen readers; nothing else is announced.

import { LiveConnection } from "./connection.js";
import { Chime } from "./chime.js";
import { h, announce, formatClock, saveFromServer } from "./dom.js";
import { buildRoomView, buildControls, actionForKey, phaseOf, roleFor, roleTitle, remainingMs } from "./room_view.js";
import { buildTile, buildEventControls, buildSchedule } from "./dashboard.js";
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
  warned: new Set(),
  recallShown: null,
};
let tickers = [];
let currentRoomView = null;

const connection = new LiveConnection(token, { onMessage: receive, onState: showConnection });
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
      render();
      break;
    }
    case "presence.updated":
      state.presence[message.room_id] = message.people;
      if (view === "dashboard") render();
      break;
    case "broadcast.message":
      showBanner(message);
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
      showBanner({ text: message.message, sender: "consult", id: `e${Date.now()}` }, "error");
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
      schedule: h("div"),
      agendaControls: h("div"),
      controls: buildEventControls(context(), actions),
      tiles: h("div", { class: "tiles", id: "tiles" }),
      feedback: h("div"),
    };
    main.append(layout.agenda, h("h1", {}, "Every room"), layout.schedule, layout.agendaControls, layout.controls, layout.tiles, layout.feedback);
  } else {
    layout = { agenda: h("div"), room: h("div"), controls: h("div"), asks: h("div"), help: null, helpStatus: h("p", { role: "status" }) };
    main.append(layout.agenda, layout.room, layout.asks, layout.controls);
    if (state.rooms.size) main.append(finalThoughts.element, notes.element, reflection.element);
    if (state.you.access === "member" || state.you.access === "moderator") {
      layout.help = helpBox(layout.helpStatus);
      main.append(layout.help);
    }
    if (state.you.access === "member") main.append(teamDataBox());
  }
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
    const tiles = [];
    for (const room of state.rooms.values()) {
      const tile = buildTile(room, context(room), actions);
      tickers.push(tile.tick);
      tiles.push(tile.element);
    }
    const focusedLabel = document.activeElement?.closest?.(".tile") ? document.activeElement.textContent : null;
    layout.tiles.replaceChildren(...tiles);
    layout.feedback.replaceChildren(buildFeedbackSummary([...state.rooms.values()], [...state.feedback.values()]));
    if (focusedLabel) [...layout.tiles.querySelectorAll("button")].find((b) => b.textContent === focusedLabel)?.focus();
    currentRoomView = null;
  } else {
    const room = [...state.rooms.values()][0];
    if (!room) {
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
      if (state.you.access === "member") layout.asks.replaceChildren(buildAskBox(room, asks, (kind) => actions.ask(kind)));
      if (view === "moderator") layout.asks.replaceChildren(buildOpenAsks(room, asks, actions.answer) ?? "");
      if (view === "moderator") {
        const focused = document.activeElement?.dataset?.action;
        layout.controls.replaceChildren(buildControls(room, (item) => runAction(room, item)));
        const swap = swapSeatsButton(room);
        if (swap) layout.controls.querySelector("#controls")?.append(swap);
        if (focused) layout.controls.querySelector(`[data-action="${focused}"]`)?.focus();
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
  if (currentRoomView) checkWarning(currentRoomView.room);
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
  const remaining = remainingMs(room, connection.clock);
  const key = `${room.id}:${room.round_index}:${room.phase_index}:${room.phase_started_at}`;
  const threshold = protocolOf(room).warning_seconds * 1000;
  if (room.status === "running" && remaining !== null && remaining > 0 && remaining <= threshold && !state.warned.has(key)) {
    state.warned.add(key);
    // Only announce when the warning is crossed live, not when a page opens inside it.
    if (remaining > threshold - 2000) {
      chime.play("warning");
      announce(`${Math.round(threshold / 60000) || 1} minute left in ${phaseOf(protocolOf(room), room).title}.`);
    }
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
    showError(error);
  }
}

const actions = {
  command(room, action, seconds) {
    return runAction(room, { action, seconds });
  },
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
  showBanner({ id: `e${Date.now()}`, sender: "consult", text: error.message }, "error");
}

function showBanner(message, kind = "message") {
  const banners = document.getElementById("banners");
  const banner = h(
    "div",
    { class: `banner banner-${kind}`, "data-banner": message.id },
    h("p", {}, h("strong", {}, kind === "error" ? "Not done: " : `${message.sender}: `), message.text),
    h("button", { type: "button", "aria-label": "Dismiss message", onclick: () => banner.remove() }, "Dismiss"),
  );
  banners.append(banner);
  if (kind !== "error") chime.play("warning");
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
  if (view !== "moderator" || !currentRoomView || document.getElementById("confirm").open) return;
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
};

setUpSound();
connection.connect();
requestAnimationFrame(frame);
