// Notes: what a person (or their team) writes during the protocol, saved as they type.
//
// Rules:
// - Before the first note, the notice on what is kept is shown; writing starts once
//   it is accepted (recorded per link by the server).
// - The editor is for the room's current round and phase. Typing marks the note
//   unsaved at once; a short pause sends the whole text with the version this page
//   holds; "Saved" is shown only when the server acknowledges it.
// - What is typed and not yet acknowledged is never dropped: not by a reconnect (the
//   panel outlives the page's rebuilds and keeps unsaved text over the snapshot's),
//   not by another device's save (the person chooses: keep theirs or mine).
// - Earlier notes of the round stay at hand (the presenting team's notes from
//   Collaborative inquiry during Reflective response), and so do the pair's shared notes.

import { h, formatTime } from "./dom.js";

const SAVE_AFTER_MS = 700;

// Worded from seed 001, Appendix 3 (explicit permission, confidentiality, anonymity
// where promised, the right to withdraw) and from what the product actually keeps.
export const CONSENT_TEXT =
  "Before you write: what you write here is kept with this event, on this server, and only for it. " +
  "Your notes stay private to your team (or to you, as a moderator or observer) unless you share them with the pair. " +
  "Your final thoughts and reflection answers are read by the event's organisers, and appear in their summaries and " +
  "report without your name. Nothing you write is shown to other rooms. Your team can download a copy of what is " +
  "kept about it at any time, and the organisers can delete the event with everything kept about it. Agreeing gives " +
  "your explicit permission to keep what you write; you may stop writing at any time, and you can take part without " +
  "writing anything.";

export class NotesPanel {
  constructor(connection, showError) {
    this.connection = connection;
    this.showError = showError;
    this.notes = new Map(); // id -> note
    this.you = null;
    this.protocol = null;
    this.room = null;
    this.current = null; // { round_index, phase_id }
    this.dirty = false;
    this.saving = false;
    this.timer = null;
    this.conflict = null; // the other device's note, while the person decides

    this.status = h("p", { class: "note-status", role: "status", "aria-live": "polite" });
    this.text = h("textarea", { id: "note-text", rows: "5", maxlength: "20000", oninput: () => this.typed() });
    this.label = h("label", { for: "note-text", id: "note-label" }, "Notes");
    this.share = h("input", { type: "checkbox", id: "note-share", onchange: () => this.typed(true) });
    this.choice = h("div", { class: "row note-choice", hidden: true },
      h("button", { type: "button", onclick: () => this.keepMine() }, "Keep my text"),
      h("button", { type: "button", onclick: () => this.useTheirs() }, "Use the other device's"),
    );
    this.earlier = h("div", { class: "notes-earlier" });
    this.pair = h("div", { class: "notes-pair" });
    this.editor = h("div", { class: "note-editor" },
      this.label, this.text,
      h("label", { class: "inline", for: "note-share" }, this.share, "Share with the pair (the other team and the moderator)"),
      this.status, this.choice,
    );
    this.consent = h("div", { class: "consent" },
      h("p", {}, CONSENT_TEXT),
      h("button", { type: "button", class: "primary", id: "consent-ok", onclick: () => this.giveConsent() }, "I agree: let me take notes"),
    );
    this.element = h("section", { class: "card notes", "aria-labelledby": "notes-title" },
      h("h2", { id: "notes-title" }, "Notes"), this.consent, this.earlier, this.editor, this.pair);
    window.addEventListener("beforeunload", (event) => {
      if (this.dirty) event.preventDefault();
    });
  }

  // A snapshot: every note this link may read; unsaved typing is kept over it.
  loadSnapshot(snapshot) {
    this.you = snapshot.you;
    this.protocol = snapshot.protocol;
    this.notes = new Map(snapshot.notes.map((note) => [note.id, note]));
    this.consent.hidden = snapshot.you.consented;
    this.editor.hidden = !snapshot.you.consented;
  }

  // A note.updated: the newer version wins in what is held; the editor follows unless
  // the person has typed since (then they choose).
  noteUpdated(note) {
    const held = this.notes.get(note.id);
    if (held && note.version <= held.version) return;
    if (!note.shared && !this.isMine(note)) this.notes.delete(note.id);
    else this.notes.set(note.id, note);
    if (this.isCurrent(note) && this.dirty && note.text !== this.text.value) {
      this.conflict = note;
      this.choice.hidden = false;
      this.say("Also changed on another device: keep your text, or use theirs?");
    } else if (this.isCurrent(note) && !this.dirty && !this.saving) {
      this.text.value = note.text;
      this.share.checked = note.shared;
      this.say(`Saved at ${formatTime(note.updated_at)}`);
    }
    this.render();
  }

  isMine(note) {
    if (!this.you) return false;
    if (note.owner === "team") return note.team_id === this.you.team_id && this.you.access === "member";
    return note.owner === this.you.access;
  }

  isCurrent(note) {
    return this.current && this.isMine(note) && note.round_index === this.current.round_index && note.phase_id === this.current.phase_id;
  }

  mine(roundIndex, phaseId) {
    return [...this.notes.values()].find((note) => this.isMine(note) && note.round_index === roundIndex && note.phase_id === phaseId) ?? null;
  }

  // The room moved on (or the page was rebuilt): the editor follows the current phase.
  update(room) {
    this.room = room;
    const phase = this.protocol.rounds[room.round_index].phases[room.phase_index];
    const current = { round_index: room.round_index, phase_id: phase.id };
    const moved = !this.current || current.round_index !== this.current.round_index || current.phase_id !== this.current.phase_id;
    if (moved && this.dirty) this.saveNow(); // the pending text goes to the phase it was typed in
    if (moved) {
      this.current = current;
      this.conflict = null;
      this.choice.hidden = true;
      const note = this.mine(current.round_index, current.phase_id);
      this.text.value = note?.text ?? "";
      this.share.checked = note?.shared ?? false;
      this.dirty = false;
      this.say(note ? `Saved at ${formatTime(note.updated_at)}` : "Nothing written yet for this phase");
    } else if (!this.dirty && !this.saving) {
      const note = this.mine(current.round_index, current.phase_id);
      if (note && note.text !== this.text.value && document.activeElement !== this.text) this.text.value = note.text;
      if (note) this.share.checked = note.shared;
    }
    this.label.textContent = `Notes for ${phase.title} (round ${room.round_index + 1})`;
    this.render();
  }

  render() {
    if (!this.protocol || !this.room || !this.current) return;
    const title = (phaseId) => this.protocol.rounds[this.current.round_index].phases.find((p) => p.id === phaseId)?.title ?? phaseId;
    const earlier = [...this.notes.values()].filter((note) => this.isMine(note) && note.round_index === this.current.round_index && note.phase_id !== this.current.phase_id && note.text);
    this.earlier.replaceChildren(
      ...(earlier.length ? [h("h3", {}, "Your notes from earlier in this round")] : []),
      ...earlier.map((note) => h("div", { class: "note-earlier", "data-phase": note.phase_id }, h("h4", {}, title(note.phase_id)), h("p", { class: "note-text" }, note.text))),
    );
    const shared = [...this.notes.values()].filter((note) => note.shared && !this.isMine(note) && note.text);
    this.pair.replaceChildren(
      ...(shared.length ? [h("h3", {}, "Shared by the pair")] : []),
      ...shared.map((note) => h("div", { class: "note-shared", "data-note": note.id }, h("h4", {}, `${title(note.phase_id)} · ${note.updated_by.replace(/^[a-z]+:/, "")}`), h("p", { class: "note-text" }, note.text))),
    );
  }

  say(text) {
    this.status.textContent = text;
  }

  typed(now = false) {
    this.dirty = true;
    this.say("Not saved yet…");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.saveNow(), now ? 0 : SAVE_AFTER_MS);
  }

  async saveNow() {
    clearTimeout(this.timer);
    if (!this.current || this.saving || this.conflict) return;
    const target = { ...this.current };
    const text = this.text.value;
    const shared = this.share.checked;
    const held = this.mine(target.round_index, target.phase_id);
    this.saving = true;
    this.say("Saving…");
    try {
      const reply = await this.connection.send({ type: "note.save", ...target, text, shared, expected_version: held?.version ?? 0 });
      const note = reply.detail.note;
      const known = this.notes.get(note.id);
      if (!known || known.version < note.version) this.notes.set(note.id, note);
      const same = this.current && target.phase_id === this.current.phase_id && target.round_index === this.current.round_index;
      if (same && this.text.value === text && this.share.checked === shared) {
        this.dirty = false;
        this.say(`Saved at ${formatTime(note.updated_at)}`);
      }
    } catch (error) {
      if (error.code === "conflict") {
        this.conflict = this.mine(target.round_index, target.phase_id);
        this.choice.hidden = false;
        this.say("Also changed on another device: keep your text, or use theirs?");
      } else {
        this.say(`Not saved: ${error.message}`);
      }
    } finally {
      this.saving = false;
      this.render();
    }
    if (this.dirty && !this.conflict) this.timer = setTimeout(() => this.saveNow(), SAVE_AFTER_MS);
  }

  keepMine() {
    this.conflict = null;
    this.choice.hidden = true;
    this.typed(true);
  }

  useTheirs() {
    const theirs = this.mine(this.current.round_index, this.current.phase_id);
    this.conflict = null;
    this.choice.hidden = true;
    this.text.value = theirs?.text ?? "";
    this.share.checked = theirs?.shared ?? false;
    this.dirty = false;
    this.say(theirs ? `Saved at ${formatTime(theirs.updated_at)}` : "Nothing written yet for this phase");
  }

  async giveConsent() {
    try {
      await this.connection.send({ type: "consent.give" });
      this.you = { ...this.you, consented: true };
      this.consent.hidden = true;
      this.editor.hidden = false;
      this.text.focus();
      this.onConsent?.();
    } catch (error) {
      this.showError(error);
    }
  }
}
