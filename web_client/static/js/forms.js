// Reflection forms in the room view: the event's forms, each answered (and changed) by
// this person; scale questions as the five points, text questions as text.
//
// Rules: forms are read over REST with this link's token; answers are saved only when
// the person presses Save ("Saved" on the server's acknowledgement); writing needs the
// notice on what is kept accepted first (the notes panel asks).

import { h, formatTime } from "./dom.js";

export class FormsPanel {
  constructor(token) {
    this.token = token;
    this.forms = [];
    this.mine = new Map(); // form id -> response
    this.list = h("div", { class: "forms-list" });
    this.element = h("section", { class: "card forms", "aria-labelledby": "forms-title" },
      h("h2", { id: "forms-title" }, "Reflection"),
      h("p", {}, "Questionnaires for your team's enquiry. Answer any of them, now or later; you can change your answers."),
      this.list);
  }

  async load() {
    const response = await fetch("/api/forms", { headers: { Authorization: `Bearer ${this.token}` } });
    if (!response.ok) return;
    const data = await response.json();
    this.forms = data.forms;
    this.mine = new Map(data.mine.map((item) => [item.form_id, item]));
    this.render();
  }

  render() {
    this.element.hidden = this.forms.length === 0;
    this.list.replaceChildren(...this.forms.map((form) => this.formElement(form)));
  }

  formElement(form) {
    const held = this.mine.get(form.id);
    const status = h("p", { role: "status", class: "form-status" }, held ? `Saved at ${formatTime(held.updated_at)}` : "");
    const fields = form.questions.map((question) => {
      const name = `${form.id}.${question.id}`;
      const current = held?.answers[question.id] ?? "";
      if (question.kind === "scale") {
        return h("fieldset", { class: "scale", "data-question": question.id },
          h("legend", {}, question.prompt),
          h("div", { class: "row" }, form.scale.map((point) =>
            h("label", { class: "inline" },
              h("input", { type: "radio", name, value: point.value, checked: current === point.value }),
              point.label))));
      }
      const id = `q-${form.id}-${question.id}`;
      return h("div", { class: "stack" }, h("label", { for: id }, question.prompt), h("textarea", { id, name, rows: "2", maxlength: "2000" }, current));
    });
    const submit = async (event) => {
      event.preventDefault();
      const data = new FormData(event.target);
      const answers = {};
      for (const question of form.questions) {
        const value = data.get(`${form.id}.${question.id}`);
        if (value) answers[question.id] = String(value);
      }
      status.textContent = "Saving…";
      const response = await fetch(`/api/forms/${form.id}/answers`, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ answers, expected_version: this.mine.get(form.id)?.version ?? 0 }),
      });
      const body = await response.json();
      if (!response.ok) {
        status.textContent = `Not saved: ${body.error?.message ?? response.status}`;
        return;
      }
      this.mine.set(form.id, body);
      status.textContent = `Saved at ${formatTime(body.updated_at)}`;
    };
    return h("details", { class: "form", "data-form": form.id },
      h("summary", {}, form.title, held ? " (answered)" : ""),
      form.description ? h("p", {}, form.description) : null,
      h("form", { class: "stack", onsubmit: submit }, fields, h("button", { type: "submit", class: "primary" }, "Save my answers"), status),
      h("p", { class: "muted" }, `Source: ${form.source}`));
  }
}
