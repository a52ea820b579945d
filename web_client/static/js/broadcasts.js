// Messages shown above a live page: uber moderators' broadcasts and this page's
// own notices and refusals.
//
// Rules:
// - Only the latest broadcast is in full view; earlier ones collapse behind a
//   count ("2 earlier messages") that opens them, so messages never push the
//   countdown off a phone's screen.
// - A broadcast may expire (``expires_at``, server time): it goes when the
//   page's corrected clock passes it. Any message can be dismissed.
// - A refusal or error shows alone, replacing the previous one, and goes by
//   itself after ERROR_SECONDS.

import { h } from "./dom.js";

export const ERROR_SECONDS = 15;

export class BroadcastShelf {
  // container: the element holding the messages; clock: the synced clock.
  constructor(container, clock) {
    this.container = container;
    this.clock = clock;
    this.messages = [];
    this.error = null;
    this.expanded = false;
  }

  add(message) {
    if (this.messages.some((held) => held.id === message.id)) return;
    this.messages.push(message);
    this.render();
  }

  showError(text) {
    this.error = { id: `e${Date.now()}`, text, until: this.clock.serverNow() + ERROR_SECONDS * 1000 * (this.clock.rate || 1) };
    this.render();
  }

  dismiss(id) {
    this.messages = this.messages.filter((message) => message.id !== id);
    if (this.error?.id === id) this.error = null;
    this.render();
  }

  // Drops what has expired; called every tick.
  prune() {
    const now = this.clock.serverNow();
    const live = this.messages.filter((message) => !message.expires_at || message.expires_at > now);
    const errorGone = this.error && this.error.until <= now;
    if (live.length !== this.messages.length || errorGone) {
      this.messages = live;
      if (errorGone) this.error = null;
      this.render();
    }
  }

  banner(message, kind) {
    const banner = h(
      "div",
      { class: `banner banner-${kind}`, "data-banner": message.id },
      h("p", {}, h("strong", {}, kind === "error" ? "Not done: " : `${message.sender}: `), message.text),
      h("button", { type: "button", "aria-label": "Dismiss message", onclick: () => this.dismiss(message.id) }, "Dismiss"),
    );
    return banner;
  }

  render() {
    const parts = [];
    if (this.error) parts.push(this.banner(this.error, "error"));
    const latest = this.messages.at(-1);
    if (latest) parts.push(this.banner(latest, "message"));
    const earlier = this.messages.slice(0, -1).reverse();
    if (earlier.length) {
      const details = h(
        "details",
        { class: "earlier-messages", open: this.expanded, ontoggle: () => { this.expanded = details.open; } },
        h("summary", {}, `${earlier.length} earlier message${earlier.length > 1 ? "s" : ""}`),
        earlier.map((message) => this.banner(message, "message")),
      );
      parts.push(details);
    }
    this.container.replaceChildren(...parts);
  }
}
