// Who is in a room, by protocol role, and how well each page's clock is synchronised.
//
// Rules:
// - A team member counts for the role their team's seat plays this round; the
//   room's moderator link for the protocol's moderator role; observers for the
//   protocol's "others" role (or "observer").
// - A seat's expected count is its team's listed members, when the team lists
//   them; otherwise only who is connected is said.
// - Clock quality comes from what each page measured (its offset from the
//   server and the round trip that estimate rests on): an estimate is at worst
//   half its round trip wrong.
// - Pure: the room, its people and its protocol are passed in.

export function roleTitleOf(protocol, roleId) {
  return protocol.roles.find((role) => role.id === roleId)?.title ?? roleId;
}

function nameList(people) {
  return people.map((person) => person.name).filter(Boolean);
}

export function presenceByRole(room, people = [], protocol) {
  const rows = [];
  for (const seat of room.seats) {
    if (!seat.team_id) continue;
    const here = people.filter((person) => person.role === "member" && person.team_id === seat.team_id);
    rows.push({
      key: `seat-${seat.seat}`,
      title: roleTitleOf(protocol, seat.role),
      team: seat.team_name,
      connected: here.length,
      expected: seat.member_count || null,
      names: nameList(here),
    });
  }
  const moderators = people.filter((person) => person.role === "moderator");
  rows.push({ key: "moderator", title: roleTitleOf(protocol, protocol.room.moderator), team: room.moderator_name || "", connected: moderators.length, expected: 1, names: nameList(moderators) });
  const observers = people.filter((person) => person.role === "observer");
  if (observers.length) {
    const role = protocol.room.others ?? (protocol.roles.some((r) => r.id === "observer") ? "observer" : null);
    rows.push({ key: "observers", title: role ? roleTitleOf(protocol, role) : "Observers", team: "", connected: observers.length, expected: null, names: nameList(observers) });
  }
  return rows;
}

export function presenceLine(row) {
  const count = row.expected ? `${row.connected}/${row.expected}` : `${row.connected}`;
  const who = row.team ? ` (${row.team})` : "";
  const names = row.names.length ? `: ${row.names.join(", ")}` : "";
  return `${row.title}${who} ${count} connected${names}`;
}

export function clockQuality(person) {
  if (person.round_trip_ms === null || person.round_trip_ms === undefined) return { label: "Measuring", level: "unknown" };
  if (person.round_trip_ms <= 150) return { label: "Good", level: "good" };
  if (person.round_trip_ms <= 600) return { label: "Fair", level: "fair" };
  return { label: "Poor", level: "poor" };
}

export function formatOffset(ms) {
  if (ms === null || ms === undefined) return "—";
  const sign = ms >= 0 ? "+" : "−";
  const size = Math.abs(ms);
  return size >= 1000 ? `${sign}${(size / 1000).toFixed(1)} s` : `${sign}${Math.round(size)} ms`;
}
