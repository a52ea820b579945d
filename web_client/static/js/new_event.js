// Create an event with the admin key, then go to its setup page.
import { h } from "./dom.js";

const form = document.getElementById("new-event");
const result = document.getElementById("result");

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const config = JSON.parse(document.getElementById("consult-config").textContent);
const loadedAt = Date.now();
// The server's clock now: on a rehearsal server it runs ahead (and faster), and the
// times proposed and entered are read on it.
const serverNow = () => config.server_time + (Date.now() - loadedAt) * config.clock_rate;

const lengthsHint = document.getElementById("protocol-lengths");
const showLengths = () => {
  lengthsHint.textContent = (config.phases[form.protocol_id.value] ?? []).join(" ");
};
form.protocol_id.addEventListener("change", showLengths);
showLengths();

const start = new Date(serverNow() + 15 * 60000);
start.setSeconds(0, 0);
form.scheduled_start.value = localInput(start);
form.main_room_at.value = localInput(new Date(start.getTime() + 90 * 60000));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const response = await fetch("/api/events", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Admin-Key": data.get("admin_key") },
    body: JSON.stringify({
      title: data.get("title"),
      protocol_id: data.get("protocol_id"),
      scheduled_start: new Date(data.get("scheduled_start")).toISOString(),
      main_room_at: new Date(data.get("main_room_at")).toISOString(),
      uber_may_mint_uber: data.get("uber_may_mint_uber") === "on",
      phase_lengths: data.get("phase_lengths").trim() ? data.get("phase_lengths").trim().split(/[\s,/]+/) : null,
    }),
  });
  const body = await response.json();
  if (!response.ok) {
    const message = body.error?.message ?? body.detail?.map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`).join("; ");
    result.replaceChildren(h("p", { class: "error" }, `Not created: ${message}`));
    return;
  }
  const url = body.uber_link.url;
  result.replaceChildren(
    h("p", { id: "timing", class: body.timing.fits ? "" : "warning-note" }, body.timing.fits ? `Timing: ${body.timing.message}.` : `Check the timing: ${body.timing.message}.`),
    h("p", {}, "Event created. Your uber moderator link (keep it: it is shown only once):"),
    h("p", {}, h("a", { href: url }, url)),
    h("p", {}, h("a", { href: `${url}/setup` }, "Set the event up: teams, rooms and links")),
  );
});
