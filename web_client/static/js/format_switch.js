// Switching format live, from the uber's dashboard: pairs, a fishbowl or a single
// presenting team, for every room or chosen ones, with the teams present.
//
// Rules:
// - Teams present start ticked when someone of the team is connected (presence), so
//   the uber sees who showed up; any team may be ticked or unticked.
// - A fishbowl names its two inner teams (presenting first), a single presenter its
//   presenting team; pairs are formed by the server.
// - The switch names the setup version the dashboard showed when the dialog opened and
//   is confirmed before it is sent; the server's refusal is shown in the dialog, word
//   for word, and nothing changes.

import { h } from "./dom.js";

const FORMATS = [
  { id: "pairs", title: "Pairs", inner: 0, help: "Teams are paired again; an odd team joins a room's inquiry." },
  { id: "fishbowl", title: "Fishbowl", inner: 2, help: "Two teams inside (presenting, inquiry); every other team in the outer circle." },
  { id: "single", title: "Single presenting team", inner: 1, help: "One team presents; every other team responds." },
];

async function api(token, method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error?.message ?? "refused"), { code: data.error?.code });
  return data;
}

function connectedTeams(presence) {
  const connected = new Set();
  for (const people of Object.values(presence ?? {})) for (const person of people) if (person.team_id) connected.add(person.team_id);
  return connected;
}

// Opens the dialog; `done(text)` is told what happened once a switch went through.
export async function openFormatSwitch({ token, state, confirmAction, done }) {
  const teams = await api(token, "GET", "/api/teams");
  const rooms = [...state.rooms.values()];
  const version = state.event.setup_version;
  const connected = connectedTeams(state.presence);
  const roomOf = new Map();
  for (const room of rooms) for (const seat of room.seats) if (seat.team_id) roomOf.set(seat.team_id, room.label);

  const status = h("p", { role: "status", class: "switch-status" });
  const formatInputs = FORMATS.map((format, index) =>
    h("label", { class: "inline" }, h("input", { type: "radio", name: "format", value: format.id, checked: index === 1 }), ` ${format.title}`, h("span", { class: "muted" }, ` — ${format.help}`)),
  );
  const roomInputs = rooms.map((room) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "room", value: room.id, checked: true }), ` ${room.label}`));
  const teamInputs = teams.map((team) =>
    h(
      "label",
      { class: "inline" },
      h("input", { type: "checkbox", name: "present", value: team.id, checked: connected.has(team.id) }),
      ` ${team.name}`,
      h("span", { class: connected.has(team.id) ? "present-yes" : "muted" }, connected.has(team.id) ? " · connected" : " · not connected"),
      h("span", { class: "muted" }, roomOf.has(team.id) ? ` · ${roomOf.get(team.id)}` : " · no room"),
    ),
  );
  const innerSelects = ["Presenting team", "Inquiry team"].map((label) =>
    h("label", {}, label, h("select", { name: "inner" }, h("option", { value: "" }, "Choose a team present"), teams.map((team) => h("option", { value: team.id }, team.name)))),
  );
  const innerBox = h("fieldset", {}, h("legend", {}, "Inside"), innerSelects);

  const form = h("form", { method: "dialog", class: "stack", id: "switch-form" });
  const dialog = h("dialog", { id: "switch-dialog", "aria-labelledby": "switch-title" }, form);
  const chosenFormat = () => FORMATS.find((format) => format.id === form.querySelector("input[name=format]:checked").value);
  const showInner = () => {
    const format = chosenFormat();
    innerBox.hidden = format.inner === 0;
    innerSelects.forEach((label, index) => {
      label.hidden = index >= format.inner;
    });
    innerSelects[0].firstChild.textContent = format.id === "single" ? "Presenting team" : "Presenting team (inside)";
  };
  form.append(
    h("h2", { id: "switch-title" }, "Switch format"),
    h("fieldset", { onchange: showInner }, h("legend", {}, "Format"), formatInputs),
    h("fieldset", {}, h("legend", {}, "Rooms to re-form"), roomInputs),
    h("fieldset", {}, h("legend", {}, "Teams present"), teamInputs),
    innerBox,
    status,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "primary", id: "switch-go", onclick: () => submit() }, "Switch…"),
      h("button", { type: "button", onclick: () => dialog.remove() }, "Cancel"),
    ),
  );
  showInner();

  async function submit() {
    const format = chosenFormat();
    const present = [...form.querySelectorAll("input[name=present]:checked")].map((input) => input.value);
    const roomIds = [...form.querySelectorAll("input[name=room]:checked")].map((input) => input.value);
    const inner = innerSelects.slice(0, format.inner).map((label) => label.querySelector("select").value);
    if (!roomIds.length) return (status.textContent = "Choose at least one room to re-form.");
    if (inner.some((id) => !id)) return (status.textContent = `Choose the team${format.inner > 1 ? "s" : ""} inside.`);
    const names = rooms.filter((room) => roomIds.includes(room.id)).map((room) => room.label);
    dialog.close();
    const sure = await confirmAction(
      `Re-form ${names.join(", ")} as ${format.title.toLowerCase()} with ${present.length} team(s) present? Runs under way in those rooms stop; the new format waits to be started. Everyone keeps their link.`,
    );
    if (!sure) return dialog.showModal();
    try {
      const result = await api(token, "POST", "/api/event/switch-format", {
        setup_version: version,
        format: format.id,
        room_ids: roomIds.length === rooms.length ? null : roomIds,
        present_team_ids: present,
        inner_team_ids: inner,
      });
      dialog.remove();
      const absent = result.absent_team_ids.length ? ` ${result.absent_team_ids.length} team(s) absent, now in no room.` : "";
      done(`Switched to ${format.title.toLowerCase()}: ${result.room_ids.length} room(s) re-formed, waiting to be started.${absent}`);
    } catch (error) {
      status.textContent =
        error.code === "setup.stale" ? "Not done: the setup changed since this dialog opened. Close it and open it again." : `Not done: ${error.message}`;
      dialog.showModal();
    }
  }

  document.getElementById("switch-dialog")?.remove();
  document.body.append(dialog);
  dialog.showModal();
  form.querySelector("input[name=format]:checked").focus();
}
