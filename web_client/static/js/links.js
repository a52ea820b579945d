// The links page: every issued link with who it is for, when it was last seen and
// whether it is connected now; revoke or rotate one, or every link of a role.
// New URLs are shown once, here, when a rotation makes them.
import { h } from "./dom.js";

const { token, link_id: ownLinkId } = JSON.parse(document.getElementById("consult-config").textContent);
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const status = document.getElementById("status");
const REFRESH_MS = 5000;
const ROLE_NAMES = { uber: "Uber moderator", moderator: "Moderator", member: "Team member", observer: "Observer" };
let links = [];

async function api(method, path, body) {
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error?.message ?? `the server answered ${response.status}`);
  return data;
}

function say(text) {
  status.textContent = text;
}

function when(epochMs) {
  if (epochMs === null || epochMs === undefined) return "never";
  return new Date(epochMs).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

function who(link) {
  return [link.label || ROLE_NAMES[link.role], link.team_name && link.team_name !== link.label ? `(${link.team_name})` : ""].filter(Boolean).join(" ");
}

function statusText(link) {
  if (link.status === "revoked") return `Revoked${link.revoked_by ? ` by ${link.revoked_by.replace(/^[a-z]+:/, "")}` : ""}${link.replaced_by ? ", replaced" : ""}`;
  if (link.status === "expired") return "Expired";
  return link.id === ownLinkId ? "Live (yours)" : "Live";
}

function actions(link) {
  if (link.status !== "live" || link.id === ownLinkId) return [];
  const name = who(link);
  return [
    h("button", { type: "button", onclick: () => rotate(link) }, "Rotate", h("span", { class: "visually-hidden" }, ` the link of ${name}`)),
    h("button", { type: "button", class: "danger", onclick: () => revoke(link) }, "Revoke", h("span", { class: "visually-hidden" }, ` the link of ${name}`)),
  ];
}

function render() {
  const showRevoked = document.getElementById("show-revoked").checked;
  const shown = links.filter((link) => showRevoked || link.status !== "revoked");
  document.querySelector("#links tbody").replaceChildren(
    ...shown.map((link) =>
      h(
        "tr",
        { "data-link": link.id, "data-status": link.status },
        h("th", { scope: "row" }, who(link)),
        h("td", { "data-label": "Role" }, ROLE_NAMES[link.role], link.may_mint_uber ? " (may make uber links)" : ""),
        h("td", { "data-label": "Room" }, link.room_label ?? (link.role === "uber" ? "Every room" : "—")),
        h("td", { "data-label": "Created" }, when(link.created_at)),
        h("td", { "data-label": "Last seen" }, when(link.last_seen_at)),
        h("td", { "data-label": "Connected now", class: link.connected ? "connected" : "" }, link.connected ? "Yes" : "No"),
        h("td", { "data-label": "Status" }, statusText(link)),
        h("td", {}, h("div", { class: "actions" }, actions(link))),
      ),
    ),
  );
  const expires = links.find((link) => link.status !== "revoked")?.expires_at;
  if (expires) document.getElementById("expiry").textContent = `on ${when(expires)}, when the event is over`;
}

async function refresh() {
  links = await api("GET", "/api/links");
  render();
}

function showNew(made) {
  const section = document.getElementById("new-links-section");
  section.hidden = false;
  const body = document.querySelector("#new-links tbody");
  for (const link of made) {
    const name = link.label || ROLE_NAMES[link.role];
    const copy = h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(link.url).then(() => say(`Copied the new link for ${name}.`)) }, `Copy the new link for ${name}`);
    body.prepend(h("tr", { "data-new-link": link.id }, h("td", {}, name), h("td", {}, ROLE_NAMES[link.role]), h("td", {}, h("code", {}, link.url)), h("td", {}, copy)));
  }
}

async function act(work, done, failed) {
  try {
    say(done(await work()));
  } catch (error) {
    say(`${failed}: ${error.message}`);
  }
  await refresh().catch(() => {});
}

function revoke(link) {
  if (!window.confirm(`Revoke the link of ${who(link)}? Their pages stop at once.`)) return;
  act(() => api("POST", `/api/links/${link.id}/revoke`), () => `Revoked the link of ${who(link)}.`, "Not revoked");
}

function rotate(link) {
  act(
    async () => {
      const made = await api("POST", `/api/links/${link.id}/rotate`);
      showNew([made]);
      return made;
    },
    () => `Made a new link for ${who(link)} (below) and revoked the old one.`,
    "Not rotated",
  );
}

document.getElementById("bulk-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const role = event.target.role.value;
  const action = event.submitter?.value ?? "rotate";
  const roleName = ROLE_NAMES[role].toLowerCase();
  if (!window.confirm(`${action === "revoke" ? "Revoke" : "Rotate"} every ${roleName} link? Their pages stop at once.`)) return;
  if (action === "revoke") {
    act(() => api("POST", "/api/links/revoke-role", { role }), (result) => `Revoked ${result.revoked.length} ${roleName} link(s)${result.kept.length ? "; yours is kept" : ""}.`, "Not revoked");
  } else {
    act(
      async () => {
        const made = await api("POST", "/api/links/rotate-role", { role });
        showNew(made);
        return made;
      },
      (made) => `Made ${made.length} new ${roleName} link(s) (below) and revoked the old ones.`,
      "Not rotated",
    );
  }
});

document.getElementById("show-revoked").addEventListener("change", render);

refresh().catch((error) => say(`Could not load the links: ${error.message}`));
// Every few seconds: "last seen" and "connected now", and what other uber moderators did.
setInterval(() => refresh().catch((error) => say(`Could not refresh the links: ${error.message}`)), REFRESH_MS);
