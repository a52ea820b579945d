// Final thoughts: the two questions of seed 000 in a room's last phase, and the uber
// dashboard's live summary of every answer.
//
// Rules:
// - The form appears from the round's last phase on (the server opens answers then),
//   after the notice on what is kept has been accepted (shared with the notes).
// - Answers are saved when the person presses Save; "Saved" only on the server's
//   acknowledgement. One set per person and round; saving again changes them.
// - The dashboard's summary is computed from every answer held (snapshot plus
//   feedback.updated): per room, how many answered and what they said.

import { h, formatTime } from "./dom.js";

export function feedbackOpen(room, protocol) {
  const last = protocol.rounds[room.round_index].phases.length - 1;
  return room.status === "finished" || room.status === "recalled" || room.status === "between_rounds" || room.phase_index === last;
}

export class FeedbackForm {
  constructor(connection, notes) {
    this.connection = connection;
    this.notes = notes; // holds the consent, and shows the notice
    this.held = new Map(); // round_index -> feedback (this link's)
    this.round = null;
    this.most = h("textarea", { id: "most-useful", rows: "3", maxlength: "2000" });
    this.more = h("textarea", { id: "more-useful", rows: "3", maxlength: "2000" });
    this.status = h("p", { class: "feedback-status", role: "status" });
    this.form = h(
      "form",
      { class: "stack", onsubmit: (event) => { event.preventDefault(); this.save(); } },
      h("label", { for: "most-useful" }, "What was most useful?"),
      this.most,
      h("label", { for: "more-useful" }, "What could have been more useful?"),
      this.more,
      h("button", { type: "submit", class: "primary" }, "Save my answers"),
      this.status,
    );
    this.waiting = h("p", {}, "Accept the notice on what is kept (under Notes) to answer.");
    this.title = h("h2", { id: "feedback-title" }, "Final thoughts");
    this.element = h("section", { class: "card feedback", "aria-labelledby": "feedback-title", hidden: true }, this.title, this.waiting, this.form);
  }

  loadSnapshot(snapshot) {
    this.held = new Map(snapshot.feedback.map((item) => [item.round_index, item]));
  }

  update(room, protocol, consented) {
    const open = feedbackOpen(room, protocol);
    this.element.hidden = !open;
    this.waiting.hidden = consented;
    this.form.hidden = !consented;
    if (!open) return;
    this.title.textContent = `Final thoughts on round ${room.round_index + 1}`;
    if (this.round !== room.round_index) {
      this.round = room.round_index;
      const mine = this.held.get(room.round_index);
      this.most.value = mine?.most_useful ?? "";
      this.more.value = mine?.more_useful ?? "";
      this.status.textContent = mine ? `Saved at ${formatTime(mine.updated_at)}` : "";
    }
  }

  async save() {
    const round = this.round;
    const held = this.held.get(round);
    this.status.textContent = "Saving…";
    try {
      const reply = await this.connection.send({
        type: "feedback.save",
        round_index: round,
        most_useful: this.most.value,
        more_useful: this.more.value,
        expected_version: held?.version ?? 0,
      });
      this.held.set(round, reply.detail.feedback);
      this.status.textContent = `Saved at ${formatTime(reply.detail.feedback.updated_at)}`;
    } catch (error) {
      this.status.textContent = `Not saved: ${error.message}`;
    }
  }
}

// Rooms whose answers the uber moderator opened: kept open across re-renders.
const opened = new Set();

// The dashboard: per room, how many answered, and every answer.
export function buildFeedbackSummary(rooms, feedback) {
  const answered = feedback.length;
  const byRoom = rooms.map((room) => ({ room, answers: feedback.filter((item) => item.room_id === room.id).sort((a, b) => a.updated_at - b.updated_at) }));
  const list = (title, texts) =>
    texts.length ? [h("h4", {}, title), h("ul", {}, texts.map((text) => h("li", {}, text)))] : [];
  return h(
    "section",
    { class: "card feedback-summary", "aria-labelledby": "feedback-summary-title" },
    h("h2", { id: "feedback-summary-title" }, "Final thoughts"),
    h("p", { id: "feedback-total" }, answered ? `${answered} answer(s) from ${byRoom.filter((r) => r.answers.length).length} of ${rooms.length} room(s)` : "No answers yet: they come in during each round's Final thoughts."),
    ...byRoom
      .filter(({ answers }) => answers.length)
      .map(({ room, answers }) =>
        h(
          "details",
          {
            "data-room": room.id,
            open: opened.has(room.id),
            ontoggle: (event) => (event.target.open ? opened.add(room.id) : opened.delete(room.id)),
          },
          h("summary", {}, `${room.label}: ${answers.length} answer(s)`),
          ...list("Most useful", answers.map((a) => a.most_useful.trim()).filter(Boolean)),
          ...list("Could have been more useful", answers.map((a) => a.more_useful.trim()).filter(Boolean)),
        ),
      ),
  );
}
