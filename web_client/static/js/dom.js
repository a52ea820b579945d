// Small DOM helpers: build elements without innerHTML (user text is never parsed as HTML).

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// mm:ss, counting up past zero; seconds round up so "0:00" appears only at the end.
// The room's video call: its name, as a link that opens in a new tab when the room has one.
// Only http and https links are stored (the server refuses anything else).
export function videoLink(room, { prefix = "" } = {}) {
  const name = room.video_room || (room.video_url ? "Video call" : "");
  if (!name) return null;
  if (!room.video_url) return `${prefix}${name}`;
  return h(
    "a",
    { href: room.video_url, target: "_blank", rel: "noopener noreferrer", class: "video-link" },
    `${prefix}${name}`,
    h("span", { class: "visually-hidden" }, " (opens in a new tab)"),
  );
}

export function formatClock(ms) {
  const over = ms < 0;
  const total = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${over ? "+" : ""}${minutes}:${String(seconds).padStart(2, "0")}`;
}

export function formatMinutes(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return rest ? `${minutes}:${String(rest).padStart(2, "0")}` : `${minutes} min`;
}

export function formatTime(epochMs) {
  return new Date(epochMs).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes screen readers read it even if it repeats.
  setTimeout(() => { region.textContent = text; }, 50);
}

// Fetch a file the server makes for this link (its token in the header, never in the
// address) and hand it to the browser to save. Resolves to null, or why it failed.
export async function saveFromServer(path, token, filename) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    return body.error?.message ?? `the server answered ${response.status}`;
  }
  const url = URL.createObjectURL(await response.blob());
  const save = h("a", { href: url, download: filename });
  document.body.append(save);
  save.click();
  save.remove();
  URL.revokeObjectURL(url);
  return null;
}
