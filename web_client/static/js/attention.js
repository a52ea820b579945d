// Which rooms need an uber moderator's attention, and in what order to show them.
//
// Rules:
// - A room needs attention when it has an open or claimed help request, an open
//   ask, is over time, is more than LATE_SECONDS behind its current plan, or
//   has nobody connected while its protocol is not over.
// - Reasons come most urgent first (help, over time, ask, late, nobody); rooms
//   sorted "by attention" put the most urgent first, then keep their order.
// - Pure: everything is passed in.

import { formatClock } from "./dom.js";

export const LATE_SECONDS = 60;
const OVER = ["finished", "recalled"];
const URGENCY = ["help", "overtime", "ask", "late", "nobody"];

export function attentionOf(room, { help = [], asks = [], people = [] } = {}) {
  const reasons = [];
  const openHelp = help.filter((item) => item.room_id === room.id && item.status !== "resolved");
  if (openHelp.length) reasons.push({ id: "help", text: openHelp.length > 1 ? `${openHelp.length} help requests` : "Help requested" });
  if (room.status === "overtime") reasons.push({ id: "overtime", text: "Over time" });
  const openAsks = asks.filter((ask) => ask.room_id === room.id && ask.status === "open");
  if (openAsks.length) reasons.push({ id: "ask", text: openAsks[0].kind === "more_time" ? "Asks for a minute" : "Says it is done" });
  const underWay = ["running", "paused", "overtime", "between_rounds"].includes(room.status);
  if (underWay && room.drift_seconds !== null && room.drift_seconds !== undefined && room.drift_seconds > LATE_SECONDS) {
    reasons.push({ id: "late", text: `${formatClock(Math.round(room.drift_seconds) * 1000)} late` });
  }
  if (!OVER.includes(room.status) && (!people || people.length === 0)) reasons.push({ id: "nobody", text: "Nobody connected" });
  return reasons;
}

function urgency(reasons) {
  return reasons.length ? Math.min(...reasons.map((reason) => URGENCY.indexOf(reason.id))) : URGENCY.length;
}

// rooms in the order and selection asked for: mode "room" keeps their order,
// "attention" puts the most urgent first; filter "attention" keeps only rooms
// that need it. reasonsOf(room) gives a room's reasons.
export function arrangeRooms(rooms, { sort = "room", filter = "all" } = {}, reasonsOf) {
  let arranged = rooms.map((room, index) => ({ room, index, reasons: reasonsOf(room) }));
  if (filter === "attention") arranged = arranged.filter((entry) => entry.reasons.length);
  if (sort === "attention") {
    arranged.sort((a, b) => urgency(a.reasons) - urgency(b.reasons) || a.index - b.index);
  }
  return arranged;
}
