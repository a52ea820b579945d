// The setup page: teams (by hand or CSV), rooms (paired automatically or by
// hand), moderators, and every role's join link to copy or print.
import { h, saveFromServer } from "./dom.js";

const { token } = JSON.parse(document.getElementById("consult-config").textContent);
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const status = document.getElementById("status");
let snapshot = null;
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
    throw new Error(message);
  }
  return data;
}

function say(text) {
  status.textContent = text;
}

const list = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);

async function refresh() {
  [snapshot, teams] = await Promise.all([api("GET", "/api/me"), api("GET", "/api/teams")]);
  document.getElementById("event-title").textContent = `Setup: ${snapshot.event.title}`;
  const roomOf = new Map();
  for (const room of snapshot.rooms) for (const seat of room.seats) roomOf.set(seat.team_id, room.label);
  document.querySelector("#teams tbody").replaceChildren(
    ...teams.map((team) => h("tr", {}, h("td", {}, team.name), h("td", {}, team.organisation), h("td", {}, team.stage), h("td", {}, team.tags.join(", ")), h("td", {}, roomOf.get(team.id) ?? "—"))),
  );
  document.querySelector("#rooms tbody").replaceChildren(
    ...snapshot.rooms.map((room) => {
      const name = h("input", { "aria-label": `Moderator of ${room.label}`, placeholder: "Moderator's name" });
      return h(
        "tr",
        {},
        h("td", {}, room.label, room.video_room ? ` (${room.video_room})` : ""),
        h("td", {}, room.seats.map((seat) => seat.team_name).join(" & ")),
        h("td", {}, room.moderator_name || "—"),
        h(
          "td",
          {},
          h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); makeLink({ role: "moderator", room_id: room.id, label: name.value }, `${room.label}: ${name.value || "moderator"}`).then(refresh); } }, name, h("button", { type: "submit" }, "Assign and make link")),
        ),
      );
    }),
  );
  const seats = snapshot.protocol.room.seating.length;
  const free = teams.filter((team) => !roomOf.has(team.id));
  document.getElementById("room-seats").replaceChildren(
    ...Array.from({ length: seats }, (_, index) =>
      h("label", {}, `Seat ${index + 1} (${snapshot.protocol.roles.find((r) => r.id === snapshot.protocol.room.seating[index])?.title} in round 1)`,
        h("select", { name: `seat${index}`, required: true }, h("option", { value: "" }, "Choose a team"), free.map((team) => h("option", { value: team.id }, team.name)))),
    ),
  );
}

function addLinkRow(who, link) {
  const copy = h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(link.url).then(() => say(`Copied the link for ${who}.`)) }, `Copy link for ${who}`);
  document.querySelector("#links tbody").append(h("tr", {}, h("td", {}, who), h("td", {}, link.role), h("td", {}, h("code", {}, link.url)), h("td", {}, copy)));
}

async function makeLink(body, who) {
  try {
    const link = await api("POST", "/api/links", body);
    addLinkRow(who, link);
    say(`Made a ${link.role} link for ${who}.`);
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
    say(`Imported ${result.length} team(s).`);
    form.reset();
    await refresh();
  } catch (error) {
    say(`Nothing imported: ${error.message}`);
  }
});

document.getElementById("pair-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const result = await api("POST", "/api/rooms/pair", { by: event.target.by.value });
    const left = result.detail.unpaired_team_ids.length;
    say(`Made ${result.detail.rooms.length} room(s).${left ? ` ${left} team(s) left to place by hand.` : ""}`);
    await refresh();
  } catch (error) {
    say(`Not paired: ${error.message}`);
  }
});

document.getElementById("room-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const teamIds = [...form.querySelectorAll("select")].map((select) => select.value);
  try {
    const room = await api("POST", "/api/rooms", { team_ids: teamIds, video_room: form.video_room.value });
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

refresh().catch((error) => say(`Could not load the event: ${error.message}`));
