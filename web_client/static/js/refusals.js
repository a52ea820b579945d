// A refused room command, in plain words.
//
// Rules: a command made against a version of the room that has since changed
// (someone else pressed first, or the timer moved on) is refused by the server;
// the page says what the room did meanwhile, comparing the room as it was seen
// when the button was pressed with the room as it is now, never versions.
// Pure: both views and the room's protocol are passed in.

function phaseTitle(protocol, room) {
  return protocol.rounds[room.round_index]?.phases[room.phase_index]?.title ?? "the next phase";
}

export function plainRefusal(seen, now, protocol) {
  if (!now) return "this room changed meanwhile; the page now shows it as it is";
  if (now.status === "finished") return "this room has already finished";
  if (now.status === "recalled") return "this room has already been called back to the main room";
  if (now.status === "between_rounds" && seen.status !== "between_rounds") return `round ${now.round_index + 1} is already complete`;
  const title = phaseTitle(protocol, now);
  const moved = now.round_index !== seen.round_index || now.phase_index !== seen.phase_index || (seen.status === "not_started" && now.status !== "not_started");
  if (moved) {
    const round = now.round_index !== seen.round_index ? ` (round ${now.round_index + 1})` : "";
    return `already moved on to ${title}${round}`;
  }
  if (now.status === "paused" && seen.status !== "paused") return `${title} is already paused`;
  if (seen.status === "paused" && now.status !== "paused") return `${title} has already resumed`;
  return `someone else changed ${title} first (its time); nothing more was done`;
}
