// The setup page: teams (by hand or CSV), rooms (grouped automatically, previewed,
// or by hand), moderators, and every role's join link to copy or print.
import { LiveConnection } from "./connection.js";
import { h, saveFromServer, videoLink } from "./dom.js";
import { GroupingPanel } from "./grouping.js";

const { token } = JSON.parse(document.getElementById("consult-config").textContent);
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const status = document.getElementById("status");
let snapshot = null;
let grouping = null; // the grouping panel, once built
let teams = [];

async function api(method, path, body, contentType) {
  const response = await fetch(path, {
    method,
    headers: contentType ? { ...headers, "Content-Type": contentType } : headers,
    body: body === undefined ? undefined : contentType ? body : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) {
    const message = data.error?.message ?? data.detail?.map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`).join("; ");
    throw Object.assign(new Error(message), { code: data.error?.code });
  }
  return data;
}

function say(text) {
  status.textContent = text;
}

const list = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);

const roleTitle = (roleId) => snapshot.protocol.roles.find((role) => role.id === roleId)?.title ?? roleId;

// One setup edit: it names the setup version this page shows, so an edit made meanwhile by
// someone else is refused rather than overwritten; either way the page then shows the setup as it is.
async function edit(method, path, body, done) {
  try {
    await api(method, path, body);
    say(done);
  } catch (error) {
    say(
      error.code === "setup.stale"
        ? "Not done: someone changed the setup meanwhile. The page now shows their change: check it, then try again."
        : `Not done: ${error.message}`,
    );
  }
  await refresh();
}

const seen = () => snapshot.event.setup_version;
const byId = (path) => `${path}?setup_version=${seen()}`;

// A small form in a modal dialog; resolves with its values, or null when cancelled.
function askInDialog(title, fields) {
  const dialog = document.getElementById("edit-dialog");
  document.getElementById("edit-dialog-title").textContent = title;
  const inputs = fields.map((field) => {
    const attributes = { name: field.name, value: field.value ?? "", maxlength: field.max, required: field.required, type: field.type ?? "text", placeholder: field.placeholder };
    const control = field.rows ? h("textarea", { name: field.name, rows: field.rows, maxlength: field.max }, field.value ?? "") : h("input", attributes);
    return h("label", { class: field.rows ? "wide" : "" }, field.label, control);
  });
  document.getElementById("edit-dialog-fields").replaceChildren(...inputs);
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => resolve(dialog.returnValue === "ok" ? Object.fromEntries(new FormData(document.getElementById("edit-dialog-form"))) : null),
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
    inputs[0]?.querySelector("input, textarea")?.focus();
  });
}

// An edit names the setup version shown when its dialog opened: a change made by someone
// else while the dialog was open is not overwritten.
async function editTeam(team) {
  const version = seen();
  const values = await askInDialog(`Edit ${team.name}`, [
    { name: "name", label: "Team name", value: team.name, max: 120, required: true },
    { name: "organisation", label: "Organisation", value: team.organisation, max: 200 },
    { name: "state", label: "State or network", value: team.state, max: 200 },
    { name: "members", label: "Members (comma separated)", value: team.members.join(", ") },
    { name: "emails", label: "Members' e-mail addresses (comma separated)", value: team.emails.join(", ") },
    { name: "stage", label: "Stage of implementation", value: team.stage, max: 80 },
    { name: "tags", label: "Topic tags (comma separated)", value: team.tags.join(", ") },
    { name: "challenge", label: "Implementation challenge", value: team.challenge, max: 5000, rows: 3 },
    { name: "request", label: "Request for feedback", value: team.request, max: 2000, rows: 2 },
  ]);
  if (!values) return;
  const changes = {};
  for (const [name, value] of Object.entries(values)) {
    const next = ["members", "emails", "tags"].includes(name) ? list(value) : value;
    if (JSON.stringify(next) !== JSON.stringify(team[name])) changes[name] = next;
  }
  if (!Object.keys(changes).length) return say("Nothing changed.");
  await edit("PATCH", `/api/teams/${team.id}`, { setup_version: version, ...changes }, `Saved ${values.name}.`);
}

async function editRoom(room) {
  const version = seen();
  const values = await askInDialog(`Edit ${room.label}`, [
    { name: "label", label: "Room name", value: room.label, max: 80, required: true },
    { name: "video_room", label: "Video-call room (as the platform names it)", value: room.video_room, max: 80, placeholder: "Breakout 3" },
    { name: "video_url", label: "Video-call link (http or https)", value: room.video_url, max: 500, type: "url", placeholder: "https://" },
  ]);
  if (!values) return;
  const changes = Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== room[name]));
  if (!Object.keys(changes).length) return say("Nothing changed.");
  await edit("PATCH", `/api/rooms/${room.id}`, { setup_version: version, ...changes }, `Saved ${values.label}.`);
}

async function confirmThen(text, action) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-dialog-text").textContent = text;
  dialog.returnValue = "";
  dialog.addEventListener("close", () => dialog.returnValue === "ok" && action(), { once: true });
  dialog.showModal();
}

// Where a team may go: every seat of every room that has not started (a taken seat's team
// changes places with it), a seat beyond the protocol's with a role kept in every round, or no room.
function moveOptions(team, seatOf) {
  const options = [h("option", { value: "" }, "Move to…")];
  for (const room of snapshot.rooms) {
    if (room.status !== "not_started") continue;
    const group = h("optgroup", { label: room.label });
    room.seats.forEach((seat, index) => {
      if (seat.team_id === team.id) return;
      const taken = seat.team_id ? `change places with ${seat.team_name}` : "empty";
      group.append(h("option", { value: `${room.id}|${index + 1}|` }, `${room.label}, seat ${index + 1} (${taken})`));
    });
    for (const role of snapshot.protocol.extra_roles) {
      group.append(h("option", { value: `${room.id}|${room.seats.length + 1}|${role}` }, `${room.label}: an extra team, ${roleTitle(role)} in every round`));
    }
    options.push(group);
  }
  if (seatOf.has(team.id)) options.push(h("option", { value: "none" }, "Out of every room"));
  return options;
}

async function moveTeam(team, choice) {
  if (!choice) return;
  const [roomId, seat, role] = choice === "none" ? [null, null, null] : choice.split("|");
  const body = { setup_version: seen(), room_id: roomId, seat: seat ? Number(seat) : null, role: role || null };
  const where = roomId ? snapshot.rooms.find((room) => room.id === roomId)?.label : "no room";
  await edit("POST", `/api/teams/${team.id}/move`, body, `Moved ${team.name} to ${where}.`);
}

async function refresh() {
  [snapshot, teams] = await Promise.all([api("GET", "/api/me"), api("GET", "/api/teams")]);
  grouping?.refreshTeams();
  document.getElementById("event-title").textContent = `Setup: ${snapshot.event.title}`;
  const seatOf = new Map();
  for (const room of snapshot.rooms) {
    room.seats.forEach((seat, index) => {
      if (seat.team_id) seatOf.set(seat.team_id, { room, index, seat });
    });
  }
  const where = (team) => {
    const place = seatOf.get(team.id);
    if (!place) return "—";
    return `${place.room.label}, seat ${place.index + 1} (${roleTitle(place.seat.role)}${place.seat.fixed ? " throughout" : " in round 1"})`;
  };
  document.querySelector("#teams tbody").replaceChildren(
    ...teams.map((team) => {
      const move = h("select", { "aria-label": `Move ${team.name}`, onchange: (event) => moveTeam(team, event.target.value) }, moveOptions(team, seatOf));
      return h(
        "tr",
        { "data-team": team.id },
        h("td", {}, team.name),
        h("td", { "data-label": "Organisation" }, team.organisation),
        h("td", { "data-label": "State or network" }, team.state),
        h("td", { "data-label": "Stage" }, team.stage),
        h("td", { "data-label": "Tags" }, team.tags.join(", ")),
        h("td", { "data-label": "Room" }, where(team)),
        h(
          "td",
          { class: "row-actions" },
          h("button", { type: "button", onclick: () => editTeam(team) }, "Edit", h("span", { class: "visually-hidden" }, ` ${team.name}`)),
          move,
          h("button", { type: "button", class: "danger", onclick: () => confirmThen(`Delete ${team.name}, its links and what it wrote?`, () => edit("DELETE", byId(`/api/teams/${team.id}`), undefined, `Deleted ${team.name}.`)) }, "Delete", h("span", { class: "visually-hidden" }, ` ${team.name}`)),
        ),
      );
    }),
  );
  document.querySelector("#rooms tbody").replaceChildren(
    ...snapshot.rooms.map((room) => {
      const name = h("input", { "aria-label": `Moderator of ${room.label}`, placeholder: "Moderator's name" });
      const notStarted = room.status === "not_started";
      const rotating = room.seats.filter((seat) => !seat.fixed);
      const swap =
        notStarted && rotating.length === 2 && rotating.every((seat) => seat.team_id)
          ? h("button", { type: "button", onclick: () => edit("POST", `/api/rooms/${room.id}/seats`, { setup_version: seen(), team_ids: [rotating[1].team_id, rotating[0].team_id] }, `${rotating[1].team_name} now presents first in ${room.label}.`) }, "Swap seats", h("span", { class: "visually-hidden" }, ` in ${room.label}`))
          : null;
      return h(
        "tr",
        { "data-room": room.id },
        h("td", {}, room.label, room.video_room || room.video_url ? h("span", {}, " (", videoLink(room), ")") : ""),
        h("td", { "data-label": "Teams" }, h("ol", { class: "seat-list" }, room.seats.map((seat) => h("li", {}, seat.team_id ? seat.team_name : "empty seat", h("span", { class: "muted" }, ` · ${roleTitle(seat.role)}`)))), swap),
        h("td", { "data-label": "Moderator" }, room.moderator_name || "—"),
        h(
          "td",
          {},
          h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); makeLink({ role: "moderator", room_id: room.id, label: name.value }, `${room.label}: ${name.value || "moderator"}`).then(refresh); } }, name, h("button", { type: "submit" }, "Assign and make link")),
        ),
        h(
          "td",
          { class: "row-actions" },
          h("button", { type: "button", onclick: () => editRoom(room) }, "Edit", h("span", { class: "visually-hidden" }, ` ${room.label}`)),
          notStarted
            ? h("button", { type: "button", class: "danger", onclick: () => confirmThen(`Delete ${room.label}? Its teams stay in the event, without a room.`, () => edit("DELETE", byId(`/api/rooms/${room.id}`), undefined, `Deleted ${room.label}.`)) }, "Delete", h("span", { class: "visually-hidden" }, ` ${room.label}`))
            : h("span", { class: "muted" }, "under way"),
        ),
      );
    }),
  );
  renderAgenda();
  const seats = snapshot.protocol.room.seating.length;
  const free = teams.filter((team) => !seatOf.has(team.id));
  document.getElementById("room-seats").replaceChildren(
    ...Array.from({ length: seats }, (_, index) =>
      h("label", {}, `Seat ${index + 1} (${roleTitle(snapshot.protocol.room.seating[index])} in round 1)`,
        h("select", { name: `seat${index}`, required: true }, h("option", { value: "" }, "Choose a team"), free.map((team) => h("option", { value: team.id }, team.name)))),
    ),
  );
}

// -- the session's agenda: main-room segments around the breakouts ------------------------

function minutesText(seconds) {
  return seconds % 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds / 60}m`;
}

function agendaRow(index, segment = { title: "", seconds: 300 }, part = "after") {
  return h(
    "tr",
    { "data-segment": "" },
    h("td", {}, h("input", { name: "title", value: segment.title, required: true, maxlength: "80", "aria-label": `Segment ${index}: title` })),
    h("td", {}, h("input", { name: "length", value: minutesText(segment.seconds), required: true, maxlength: "16", "aria-label": `Segment ${index}: length (as 10m or 90s)` })),
    h(
      "td",
      {},
      h("select", { name: "part", "aria-label": `Segment ${index}: before or after the breakouts` },
        h("option", { value: "before", selected: part === "before" }, "before the breakouts"),
        h("option", { value: "after", selected: part === "after" }, "after the breakouts"),
        h("option", { value: "remove" }, "remove it")),
    ),
  );
}

function renderAgenda() {
  const agenda = snapshot.agenda;
  const form = document.getElementById("agenda-form");
  if (!agenda) return;
  if (document.activeElement && form.contains(document.activeElement)) return; // being edited
  const breakouts = agenda.segments.findIndex((segment) => segment.kind === "breakouts");
  let number = 0;
  const rows = agenda.segments.map((segment, index) =>
    segment.kind === "breakouts"
      ? h("tr", {}, h("td", {}, h("strong", {}, segment.title)), h("td", {}, "from the start to the main-room time"), h("td", {}, ""))
      : agendaRow((number += 1), segment, index < breakouts ? "before" : "after"),
  );
  document.querySelector("#agenda-table tbody").replaceChildren(...rows);
  const started = agenda.status !== "waiting";
  for (const control of form.querySelectorAll("input, select, button")) control.disabled = started;
}

document.getElementById("agenda-add").addEventListener("click", () => {
  const count = document.querySelectorAll("#agenda-table tbody tr[data-segment]").length;
  document.querySelector("#agenda-table tbody").append(agendaRow(count + 1, { title: "", seconds: 300 }, "after"));
  document.querySelector("#agenda-table tbody tr:last-child input")?.focus();
});

document.getElementById("agenda-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const segments = [...document.querySelectorAll("#agenda-table tbody tr[data-segment]")]
    .map((row) => ({ title: row.querySelector("[name=title]").value, length: row.querySelector("[name=length]").value, part: row.querySelector("[name=part]").value }))
    .filter((segment) => segment.part !== "remove");
  document.activeElement?.blur();
  await edit("PUT", "/api/event/agenda/segments", { segments }, "Saved the agenda.");
});

function addLinkRow(who, link) {
  const copy = h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(link.url).then(() => say(`Copied the link for ${who}.`)) }, `Copy link for ${who}`);
  document.querySelector("#links tbody").append(h("tr", {}, h("td", {}, who), h("td", {}, link.role), h("td", {}, h("code", {}, link.url)), h("td", {}, copy)));
}

async function makeLink(body, who) {
  try {
    const link = await api("POST", "/api/links", body);
    addLinkRow(who, link);
    say(`Made ${link.role === "uber" || link.role === "observer" ? "an" : "a"} ${link.role} link for ${who}.`);
    return link;
  } catch (error) {
    say(`Not done: ${error.message}`);
    return null;
  }
}

document.getElementById("team-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const data = Object.fromEntries(new FormData(form));
  try {
    await api("POST", "/api/teams", { ...data, members: list(data.members), tags: list(data.tags), emails: list(data.emails) });
    say(`Added ${data.name}.`);
    form.reset();
    await refresh();
  } catch (error) {
    say(`Not added: ${error.message}`);
  }
});

document.getElementById("csv-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const file = form.file.files[0];
  const text = file ? await file.text() : form.text.value;
  try {
    const result = await api("POST", "/api/teams/import", text, "text/csv");
    const parts = [`${result.added.length} added`, `${result.updated.length} updated`];
    if (result.unchanged.length) parts.push(`${result.unchanged.length} already as in the file`);
    say(`Imported: ${parts.join(", ")}.`);
    form.reset();
    await refresh();
  } catch (error) {
    say(`Nothing imported: ${error.message}`);
  }
});

// Grouping: a proposal to look at and adjust, then the rooms created exactly as shown.
const seatedIds = () => new Set(snapshot.rooms.flatMap((room) => room.seats.map((seat) => seat.team_id).filter(Boolean)));
grouping = new GroupingPanel(document.getElementById("grouping-panel"), {
  api,
  teams: () => (snapshot ? teams.filter((team) => !seatedIds().has(team.id)) : []),
  say,
  done: async (text) => {
    say(text);
    await refresh();
  },
});

document.getElementById("room-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const teamIds = [...form.querySelectorAll("select")].map((select) => select.value);
  try {
    const room = await api("POST", "/api/rooms", { team_ids: teamIds, video_room: form.video_room.value, video_url: form.video_url.value });
    say(`Created ${room.label}.`);
    form.reset();
    await refresh();
  } catch (error) {
    say(`Not created: ${error.message}`);
  }
});

document.getElementById("make-links").addEventListener("click", async () => {
  for (const room of snapshot.rooms) {
    if (!room.moderator_name) await makeLink({ role: "moderator", room_id: room.id, label: "" }, `${room.label}: moderator`);
    for (const seat of room.seats) {
      await makeLink({ role: "member", room_id: room.id, team_id: seat.team_id, label: seat.team_name }, `${room.label}: ${seat.team_name}`);
    }
    await makeLink({ role: "observer", room_id: room.id, label: "Observer" }, `${room.label}: observer`);
  }
  await refresh();
});

// Only the admin key, or an uber link the admin allowed to, makes uber links: the
// server says so if this link may not.
document.getElementById("make-uber-link").addEventListener("click", () =>
  makeLink({ role: "uber", label: "Uber moderator" }, "Another uber moderator"),
);

// Zoom's pre-assignment file: fetched with this link's token, then saved by the browser.
document.getElementById("zoom-csv").addEventListener("click", async () => {
  const failed = await saveFromServer("/api/rooms/zoom.csv", token, "zoom-breakout-rooms.csv");
  say(failed ? `Not exported: ${failed}` : "Saved zoom-breakout-rooms.csv: import it in Zoom's breakout-room pre-assignment.");
});

async function download(path, filename) {
  const failed = await saveFromServer(path, token, filename);
  say(failed ? `Not exported: ${failed}` : `Saved ${filename}.`);
}

document.getElementById("export-json").addEventListener("click", () => download("/api/export", "event.json"));
document.getElementById("export-csv").addEventListener("click", () => {
  const section = document.getElementById("export-section").value;
  download(`/api/export/${section}.csv`, `${section}.csv`);
});

document.getElementById("delete-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const result = await api("POST", "/api/event/delete", { confirm: event.target.confirm.value });
    document.getElementById("main").replaceChildren(
      h("h1", {}, "Event deleted"),
      h("p", { role: "status" }, `"${result.title}" and everything kept about it were deleted; its links no longer work.`),
    );
  } catch (error) {
    say(`Not deleted: ${error.message}`);
  }
});

document.getElementById("print-links").addEventListener("click", () => window.print());

// Follow what others change: every setup change is published to open pages.
let following = null;
function followChanges() {
  clearTimeout(following);
  following = setTimeout(() => refresh().catch((error) => say(`Could not load the event: ${error.message}`)), 150);
}
new LiveConnection(token, {
  onMessage: (message) => {
    if (message.type === "setup.changed") followChanges();
  },
  onState: () => {},
}).connect();

refresh().catch((error) => say(`Could not load the event: ${error.message}`));
