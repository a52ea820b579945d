"""Who plays which protocol role in a room, round by round.

Rules:
- A room's first seats are the protocol's (``room.seating``): their roles follow
  the protocol's rotation from round to round.
- A room may seat teams beyond them (an odd team joining a pair, a fishbowl's
  outer circle, the respondents to a single presenting team). Each such seat
  keeps one role in every round: one of the protocol's seating roles (the extra
  team joins that role's team, whichever team holds it in the round) or the
  protocol's ``others`` role.
- A seat's role may also be fixed within the protocol's seats; whatever is fixed
  wins over the rotation.
- Which roles an extra seat may take is decided here, once: every seating role
  but the first round's first (an extra team never presents) and ``others``.
"""

from __future__ import annotations

from server.domain.protocol import Protocol
from server.domain.records import Room


def extra_roles(protocol: Protocol) -> tuple[str, ...]:
    """The roles a team beyond the protocol's seats may keep."""
    joins = tuple(dict.fromkeys(role for role in protocol.room.seating[1:]))
    others = (protocol.room.others,) if protocol.room.others else ()
    return tuple(role for role in joins + others if role != protocol.room.seating[0]) or others


def seat_role(protocol: Protocol, room: Room, seat: int, round_index: int) -> str:
    """The role of seat ``seat`` (0-based) in round ``round_index`` (0-based)."""
    fixed = room.fixed_roles[seat] if seat < len(room.fixed_roles) else ""
    if fixed:
        return fixed
    seating = protocol.seating_for_round(round_index)
    if seat < len(seating):
        return seating[seat]
    return protocol.room.others or seating[-1]


def team_role(protocol: Protocol, room: Room, team_id: str, round_index: int) -> str | None:
    """The role of a team of the room in a round; None if the team is not in the room."""
    if not team_id or team_id not in room.team_ids:
        return None
    return seat_role(protocol, room, room.team_ids.index(team_id), round_index)


def seat_count(protocol: Protocol, room: Room) -> int:
    """How many seats the room shows: the protocol's, and any taken beyond them."""
    return max(protocol.room.seats, len(room.team_ids))
