// The whole session on one clock: a strip on every page with the current segment and
// its countdown, and (on the uber's dashboard) the main-room clock's controls.
//
// Rules:
// - The countdown is computed from the segment's absolute deadline and this page's
//   corrected clock, every tick; a paused segment shows its frozen remaining time.
// - A main-room segment past its time counts up ("+0:12 over") until the uber moves on.
// - During the breakouts the strip counts down to the main-room time.

import { h, formatClock, formatTime } from "./dom.js";

export function agendaText(agenda, clock) {
  if (!agenda) return null;
  const { segments, index, status } = agenda;
  if (status === "waiting") {
    const first = segments[0];
    return { title: "Before the session", count: first ? `${first.title} at ${formatTime(first.planned_start)}` : "", over: false };
  }
  if (status === "over") return { title: "The session is over", count: "Thank you", over: false };
  const segment = segments[index];
  const left = status === "paused" ? agenda.remaining_ms : agenda.deadline - clock.serverNow();
  if (segment.kind === "breakouts") {
    return { title: segment.title, count: left > 0 ? `back in the main room in ${formatClock(left)}` : "back in the main room now", over: false };
  }
  const count = left >= 0 ? `${formatClock(left)} left` : `${formatClock(left)} over`;
  return { title: segment.title, count: status === "paused" ? `${count} (paused)` : count, over: left < 0 };
}

export function buildAgendaStrip(agenda, clock) {
  const title = h("strong", { id: "agenda-segment" });
  const count = h("span", { id: "agenda-count", class: "agenda-count" });
  const next = h("span", { id: "agenda-next", class: "muted" });
  const element = h("div", { class: "agenda-strip", id: "agenda-strip", role: "group", "aria-label": "Session agenda", "data-index": String(agenda?.index ?? -1) }, title, count, next);
  function tick() {
    const text = agendaText(agenda, clock);
    if (!text) return;
    if (title.textContent !== text.title) title.textContent = text.title;
    if (count.textContent !== text.count) count.textContent = text.count;
    element.classList.toggle("over", text.over);
    const following = agenda.segments[agenda.index + 1];
    const nextText = following && agenda.status !== "waiting" ? `Next: ${following.title}` : "";
    if (next.textContent !== nextText) next.textContent = nextText;
  }
  tick();
  return { element, tick };
}

export function buildAgendaControls(agenda, send) {
  if (!agenda) return h("div");
  const current = agenda.segments[agenda.index];
  const button = (label, action, extra = {}, attributes = {}) =>
    h("button", { type: "button", "data-agenda": action + (extra.seconds ? String(extra.seconds) : ""), onclick: () => send({ action, expected_version: agenda.version, ...extra }), ...attributes }, label);
  const buttons = [];
  if (agenda.status === "waiting") buttons.push(button("Start the session (welcome)", "start", {}, { class: "primary" }));
  if (agenda.status === "running" || agenda.status === "paused") {
    const following = agenda.segments[agenda.index + 1];
    buttons.push(button(following ? `Next: ${following.title}` : "End the session", "next", {}, { class: "primary" }));
    if (agenda.index > 0) buttons.push(button("Back", "back"));
    if (current?.kind === "main") {
      buttons.push(agenda.status === "paused" ? button("Resume", "resume") : button("Pause", "pause"));
      buttons.push(button("+1 min", "adjust_time", { seconds: 60 }), button("−1 min", "adjust_time", { seconds: -60 }));
    }
  }
  return h(
    "section",
    { class: "agenda-controls", "aria-labelledby": "agenda-controls-title" },
    h("h2", { id: "agenda-controls-title" }, "Main room"),
    h("ol", { class: "agenda-list" }, agenda.segments.map((segment, index) =>
      h("li", { class: index === agenda.index ? "current" : "", "aria-current": index === agenda.index ? "step" : null },
        `${segment.title}`, h("span", { class: "muted" }, segment.kind === "breakouts" ? " · the rooms" : ` · ${Math.round(segment.seconds / 60)} min · ${formatTime(segment.planned_start)}`)),
    )),
    h("div", { class: "row" }, buttons),
  );
}
