// Grouping teams into rooms on the setup page: propose, look, adjust, then commit.
//
// Rules:
// - "Preview rooms" asks the server for a dry run: the rooms a planner would choose
//   for the teams not yet in a room, each with its score and why, the total (the best
//   possible for pairs; beside a stated bound for larger rooms), and who is unplaced.
// - Swapping two teams in the preview asks the server to score that arrangement:
//   the scores and explanations shown are always the server's.
// - "Create these rooms" commits exactly the rooms shown, on the setup version the
//   preview was made on: a change made meanwhile is refused, never overwritten.
// - Nothing is written before the commit.

import { h } from "./dom.js";

const OPTIONS = { weights: { text: 0.6, tags: 0.25, stage: 0.15 } };

export class GroupingPanel {
  // api(method, path, body) -> data (throws with .message/.code); teams() -> free teams;
  // done(text) after a commit (the page refreshes); say(text) for status.
  constructor(container, { api, teams, done, say }) {
    this.container = container;
    this.api = api;
    this.teams = teams;
    this.done = done;
    this.say = say;
    this.pins = [];
    this.preview = null;
    this.rooms = null;
    this.render();
  }

  body() {
    const form = this.form;
    const weight = (name) => Number(form.querySelector(`[name=weight-${name}]`).value);
    const keep = [...form.querySelectorAll("[name=keep]:checked")].map((box) => box.value);
    return {
      weights: { text: weight("text"), tags: weight("tags"), stage: weight("stage") },
      keep_apart_by: keep,
      odd_team: form.querySelector("[name=odd]").value || null,
      together: this.pins.filter((pin) => pin.kind === "together").map((pin) => [pin.a, pin.b]),
      apart: this.pins.filter((pin) => pin.kind === "apart").map((pin) => [pin.a, pin.b]),
    };
  }

  async propose(rooms = null) {
    try {
      const body = { ...this.body(), ...(rooms ? { rooms } : {}) };
      this.preview = (await this.api("POST", "/api/rooms/group/preview", body)).detail;
      this.rooms = this.preview.rooms.map((room) => [...room.teams.map((team) => team.id), ...(room.extra ? [room.extra.id] : [])]);
      this.renderPreview();
      this.say(rooms ? "Scored the rooms as you arranged them." : `Proposed ${this.preview.rooms.length} room(s): nothing is created until you say so.`);
    } catch (error) {
      this.say(`No proposal: ${error.message}`);
    }
  }

  async commit() {
    try {
      const result = await this.api("POST", "/api/rooms/group", { ...this.body(), rooms: this.rooms, setup_version: this.preview.setup_version });
      this.preview = null;
      this.rooms = null;
      this.renderPreview();
      this.done(`Created ${result.detail.room_ids.length} room(s), exactly as previewed.`);
    } catch (error) {
      this.say(
        error.code === "setup.stale"
          ? "Not created: the setup changed since the preview. Preview again, then create."
          : `Not created: ${error.message}`,
      );
    }
  }

  // Swaps two teams of the preview and has the server score the new arrangement.
  swap(teamId, otherId) {
    const rooms = this.rooms.map((room) => room.map((id) => (id === teamId ? otherId : id === otherId ? teamId : id)));
    return this.propose(rooms);
  }

  render() {
    const number = (name, value, label) =>
      h("label", {}, label, h("input", { type: "number", name: `weight-${name}`, min: "0", max: "100", step: "0.05", value: String(value), required: true }));
    const free = () => this.teams();
    // The second select starts on the second team, so a pin is one choice away.
    const teamSelect = (name, label, start = 0) =>
      h("label", {}, label, h("select", { name }, free().map((team, index) => h("option", { value: team.id, selected: index === start }, team.name))));
    const pinList = h("ul", { class: "pin-list", id: "pin-list" });
    const showPins = () => {
      const byId = new Map(this.teams().map((team) => [team.id, team.name]));
      pinList.replaceChildren(
        ...this.pins.map((pin, index) =>
          h(
            "li",
            {},
            `${byId.get(pin.a) ?? pin.a} and ${byId.get(pin.b) ?? pin.b}: ${pin.kind === "together" ? "together" : "apart"} `,
            h("button", { type: "button", onclick: () => { this.pins.splice(index, 1); showPins(); } }, "Remove pin"),
          ),
        ),
      );
    };
    this.form = h(
      "form",
      { id: "group-form", class: "grid-form", onsubmit: (event) => { event.preventDefault(); this.propose(); } },
      h("fieldset", { class: "wide row" }, h("legend", {}, "What counts, and how much"), number("text", OPTIONS.weights.text, "Challenge and request texts"), number("tags", OPTIONS.weights.tags, "Shared tags"), number("stage", OPTIONS.weights.stage, "Same stage")),
      h(
        "fieldset",
        { class: "wide row" },
        h("legend", {}, "Keep apart teams of the same"),
        h("label", { class: "inline" }, h("input", { type: "checkbox", name: "keep", value: "state", checked: true }), "state or network"),
        h("label", { class: "inline" }, h("input", { type: "checkbox", name: "keep", value: "organisation" }), "organisation"),
      ),
      h("label", {}, "A team left over", h("select", { name: "odd" }, h("option", { value: "join" }, "joins the room it fits best"), h("option", { value: "observe" }, "sits in that room as observers"))),
      h(
        "fieldset",
        { class: "wide" },
        h("legend", {}, "Pins (optional)"),
        h(
          "div",
          { class: "row", id: "pin-row" },
          teamSelect("pin-a", "Team"),
          teamSelect("pin-b", "and team", 1),
          h("label", {}, "go", h("select", { name: "pin-kind" }, h("option", { value: "together" }, "together"), h("option", { value: "apart" }, "apart"))),
          h(
            "button",
            {
              type: "button",
              id: "pin-add",
              onclick: () => {
                const a = this.form.querySelector("[name=pin-a]").value;
                const b = this.form.querySelector("[name=pin-b]").value;
                if (!a || !b || a === b) return this.say("A pin names two different teams.");
                this.pins.push({ a, b, kind: this.form.querySelector("[name=pin-kind]").value });
                showPins();
              },
            },
            "Add pin",
          ),
        ),
        pinList,
      ),
      h("button", { type: "submit", class: "primary", id: "group-preview" }, "Preview rooms"),
    );
    this.previewBox = h("div", { id: "grouping-preview", "aria-live": "polite" });
    this.container.replaceChildren(this.form, this.previewBox);
    this.refreshTeams = () => {
      ["pin-a", "pin-b"].forEach((name, start) => {
        const select = this.form.querySelector(`[name=${name}]`);
        const chosen = select.value;
        const teams = free();
        const keep = teams.some((team) => team.id === chosen) ? chosen : teams[Math.min(start, teams.length - 1)]?.id;
        select.replaceChildren(...teams.map((team) => h("option", { value: team.id, selected: team.id === keep }, team.name)));
      });
      showPins();
      // Pins need two teams to name; with every team in a room there is nothing to group.
      const teams = free();
      this.form.querySelector("#pin-row").hidden = teams.length < 2;
      this.form.querySelector("#group-preview").disabled = teams.length === 0;
      this.form.querySelector("#group-preview").textContent = teams.length ? "Preview rooms" : "Every team is in a room";
    };
  }

  renderPreview() {
    const view = this.preview;
    if (!view) {
      this.previewBox.replaceChildren();
      return;
    }
    const everyone = view.rooms.flatMap((room, index) => [...room.teams, ...(room.extra ? [room.extra] : [])].map((team) => ({ team, index })));
    const swapSelect = (team, index) =>
      h(
        "select",
        {
          "aria-label": `Swap ${team.name} with`,
          "data-swap": team.id,
          onchange: (event) => { if (event.target.value) this.swap(team.id, event.target.value); },
        },
        h("option", { value: "" }, `Swap ${team.name} with…`),
        everyone.filter((other) => other.index !== index).map((other) => h("option", { value: other.team.id }, `${other.team.name} (room ${other.index + 1})`)),
      );
    const quality =
      view.bound === null
        ? view.method === "as arranged" ? "as you arranged it" : "the best possible total"
        : `a bound of ${view.bound.toFixed(2)}`;
    const parts = [
      h("h4", {}, "Proposed rooms"),
      h(
        "p",
        { id: "group-total" },
        `Total fit ${view.total.toFixed(2)} (${quality})`,
        view.greedy_total !== null ? ` · best-pair-first would give ${view.greedy_total.toFixed(2)}` : "",
        ` · ${view.method}; weights: text ${view.weights.text}, tags ${view.weights.tags}, stage ${view.weights.stage}`,
      ),
      h(
        "ol",
        { id: "group-rooms", class: "group-rooms" },
        view.rooms.map((room, index) =>
          h(
            "li",
            { "data-room-index": String(index) },
            h("strong", {}, room.teams.map((team) => team.name).join(" & ")),
            room.extra ? ` + ${room.extra.name}` : "",
            h("span", { class: "group-score", "data-score": String(room.score) }, ` · score ${room.score.toFixed(2)}`),
            h("p", { class: "muted group-why" }, room.explanation),
            room.breaks.length ? h("p", { class: "warning-note" }, `Same ${view.keep_apart_by.join("/")}: ${room.breaks.map(([a, b]) => `${a.name} & ${b.name}`).join(", ")} (no grouping keeps them apart)`) : null,
            h("div", { class: "row" }, [...room.teams, ...(room.extra ? [room.extra] : [])].map((team) => swapSelect(team, index))),
          ),
        ),
      ),
      view.unplaced.length ? h("p", { id: "group-unplaced" }, `Not placed: ${view.unplaced.map((team) => team.name).join(", ")}`) : null,
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", class: "primary", id: "group-commit", onclick: () => this.commit() }, `Create these ${view.rooms.length} rooms`),
        h("button", { type: "button", id: "group-discard", onclick: () => { this.preview = null; this.renderPreview(); this.say("Proposal discarded."); } }, "Discard"),
      ),
    ];
    this.previewBox.replaceChildren(...parts.filter(Boolean));
  }
}
