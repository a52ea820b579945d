"""What an arrangement scores: per room, in total, and which pairs break keep-apart.

Rules:
- A room's score is the sum of the scores of every pair of teams in it, its
  extra teams included; the total is the sum over rooms.
- A break is a pair of teams in one room sharing a keep-apart key, listed once
  (i < j), in room order. Breaks are reported as facts whatever the
  keep-apart setting, so a hand-edited arrangement shows what it costs.
- Sums run in a fixed order, so the same arrangement always scores the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from server.domain.grouping.profile import Profile
from server.domain.grouping.similarity import Similarity


def room_members(
    rooms: Sequence[Sequence[int]], extras: Sequence[tuple[int, int]] = ()
) -> list[list[int]]:
    members = [sorted(room) for room in rooms]
    for team, room in extras:
        members[room].append(team)
    return [sorted(room) for room in members]


def score_rooms(
    similarity: Similarity,
    rooms: Sequence[Sequence[int]],
    extras: Sequence[tuple[int, int]] = (),
    *,
    profiles: Sequence[Profile] | None = None,
) -> tuple[list[float], float, list[tuple[int, int]]]:
    """(room_scores, total, breaks) of rooms of team indices with extras (team, room);
    breaks read the keep-apart keys of ``profiles`` (by default the similarity's own)."""
    count = len(similarity)
    if profiles is not None and len(profiles) != count:
        raise ValueError(f"{len(profiles)} profiles given for a similarity of {count} teams")
    for room in rooms:
        for team in room:
            if not 0 <= team < count:
                raise ValueError(f"room {list(room)} names team {team}; there are {count}")
    for team, index in extras:
        if not 0 <= index < len(rooms) or not 0 <= team < count:
            raise ValueError(f"extra ({team}, {index}) names no team or no room")
    keys = [frozenset(profile.apart_keys) for profile in profiles or similarity.profiles]
    room_scores: list[float] = []
    breaks: list[tuple[int, int]] = []
    for members in room_members(rooms, extras):
        room_scores.append(sum(similarity.score(i, j) for i, j in combinations(members, 2)))
        breaks.extend((i, j) for i, j in combinations(members, 2) if keys[i] & keys[j])
    return room_scores, sum(room_scores), breaks
