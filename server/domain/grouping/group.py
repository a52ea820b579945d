"""Grouping teams into rooms: the entry point, its checks, and the result.

Rules:
- A room has ``size`` seats (at least 2); there must be at least ``size``
  teams. When the teams do not fill whole rooms, the leftover teams (the count
  modulo the size, the fewest possible) become extras only if the caller
  chose what they do: ``"join"`` (a room one larger) or ``"observe"`` (seated
  as observers); otherwise grouping is refused and says how many are left over.
- Rooms of two are the best pairs there are (``pairs.py``); rooms of three or
  more start greedy and improve by swaps (``greedy.py``, ``improve.py``), never
  ending worse than their start, with an upper bound stated (``bound.py``).
  "Worse" and "better" always mean fewer breaks of keep-apart first, then a
  higher total.
- Every team is seated exactly once, as a seat or as an extra. A grouping that
  would put two teams together that must be apart is refused, naming them.
- Same input, same output: no randomness, ties go to lower indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from server.domain.grouping.board import Board, board
from server.domain.grouping.bound import upper_bound
from server.domain.grouping.constraints import (
    NO_PINS,
    Constraints,
    GroupingError,
    Remainder,
    Rules,
    names,
    resolve,
)
from server.domain.grouping.extras import place_extras
from server.domain.grouping.greedy import greedy_rooms
from server.domain.grouping.improve import improve
from server.domain.grouping.pairs import pair_rooms
from server.domain.grouping.profile import Profile
from server.domain.grouping.result import MATCHING, SWAPS, Grouping
from server.domain.grouping.scoring import room_members, score_rooms
from server.domain.grouping.similarity import Similarity


def group(
    similarity: Similarity,
    size: int,
    *,
    profiles: Sequence[Profile],
    constraints: Constraints = NO_PINS,
    remainder: Remainder | None = None,
) -> Grouping:
    _check_request(similarity, size, profiles, remainder)
    rules = resolve(profiles, size, constraints)
    numbers = board(similarity, rules)
    start, start_left = greedy_rooms(numbers, size, rules, profiles)
    start_extras = place_extras(numbers, start, start_left)
    if size == 2:
        rooms, unpaired = pair_rooms(numbers, rules)
        if len(unpaired) > len(profiles) % size:
            raise GroupingError(
                f"no pairing seats {names(profiles, unpaired)}: apart pins (or copies of "
                "one team) leave them without a partner; remove an apart pin"
            )
        extras = place_extras(numbers, rooms, unpaired)
        method = MATCHING
    else:
        unit_of = rules.unit_of()
        movable = [len(rules.units[unit_of[team]]) == 1 for team in range(len(profiles))]
        improved = improve(numbers, room_members(start, start_extras), movable)
        rooms, extras = _split_extras(numbers, improved, size, rules)
        method = SWAPS
    rooms, extras = _in_order(rooms, extras)
    _refuse_hard_violations(numbers, rules, profiles, room_members(rooms, extras), size)
    room_scores, total, breaks = score_rooms(similarity, rooms, extras)
    bound = None
    if size > 2:
        members = room_members(rooms, extras)
        unbroken = not any(
            rules.conflict(i, j) for room in members for i, j in combinations(room, 2)
        )
        bound = upper_bound(
            numbers, rules, [len(room) for room in members], without_breaks=unbroken
        )
    return Grouping(
        rooms=[tuple(room) for room in rooms],
        extras=extras,
        room_scores=room_scores,
        total=total,
        bound=bound,
        greedy_total=score_rooms(similarity, start, start_extras)[1],
        breaks=breaks,
        method=method,
    )


def _check_request(
    similarity: Similarity, size: int, profiles: Sequence[Profile], remainder: Remainder | None
) -> None:
    count = len(profiles)
    if len(similarity) != count:
        raise ValueError(
            f"the similarity was computed for {len(similarity)} teams, but {count} profiles "
            "were given: compute it for these profiles"
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 2:
        raise GroupingError(f"a room needs at least 2 seats; got {size!r}")
    if count < size:
        raise GroupingError(f"a room of {size} needs at least {size} teams; there are {count}")
    if remainder not in (None, "join", "observe"):
        raise GroupingError(f'remainder must be "join" or "observe"; got {remainder!r}')
    left = count % size
    if left and remainder is None:
        teams = "team is" if left == 1 else "teams are"
        raise GroupingError(
            f"{left} {teams} left over: {count} teams do not fill rooms of {size}; choose "
            'remainder "join" (a room one larger) or "observe" (seated in a room as observers)'
        )


def _split_extras(
    numbers: Board, rooms: Sequence[Sequence[int]], size: int, rules: Rules
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """In a room with more teams than seats, the teams that fit it least are the extras
    (never a team pinned with others); ties: the higher index."""
    unit_of = rules.unit_of()
    seated: list[list[int]] = []
    extras: list[tuple[int, int]] = []
    for index, room in enumerate(rooms):

        def keep(team: int, room: Sequence[int] = room) -> tuple[bool, float, int]:
            fit = float(sum(numbers.score[team, other] for other in room))
            return (len(rules.units[unit_of[team]]) == 1, -fit, team)

        ordered = sorted(room, key=keep)
        seated.append(sorted(ordered[:size]))
        extras.extend((team, index) for team in sorted(ordered[size:]))
    return seated, extras


def _in_order(
    rooms: Sequence[Sequence[int]], extras: Sequence[tuple[int, int]]
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Rooms ordered by their first seated team; extras renumbered and sorted by room."""
    order = sorted(range(len(rooms)), key=lambda index: sorted(rooms[index]))
    renumber = {old: new for new, old in enumerate(order)}
    return (
        [sorted(rooms[index]) for index in order],
        sorted((team, renumber[room]) for team, room in extras),
    )


def _refuse_hard_violations(
    numbers: Board, rules: Rules, profiles: Sequence[Profile], rooms: list[list[int]], size: int
) -> None:
    for room in rooms:
        for i, j in combinations(room, 2):
            if not rules.may_meet(i, j):
                reason = (
                    "are the same team" if profiles[i].id == profiles[j].id else "are pinned apart"
                )
                raise GroupingError(
                    f"{names(profiles, (i, j))} {reason}, but no grouping into rooms of {size} "
                    "was found that keeps them apart: remove an apart pin or change the room size"
                )
