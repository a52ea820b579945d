"""The greedy baseline and start: the best remaining pair first, then the best addition.

Rules:
- Pairs are ranked by cost (a pair that must never meet last, a pair sharing
  a keep-apart key next to last), then by score, highest first; ties keep the
  teams' order (lower indices first). This is the old greedy pairing with the
  same scores, kept as the baseline the optimal grouping is measured against.
- Rooms are filled one at a time: a room first takes any team pinned with
  others (the largest such unit, so pinned units are seated while rooms are
  empty), else the best remaining pair; then, until its seats are full, the
  unit that raises its cost least and its score most (ties: lowest index).
- Teams left when every room is full are the extras (the count modulo the
  room size). Pinned units that cannot be packed into the seats are refused
  with a GroupingError naming them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from server.domain.grouping.board import Board, board
from server.domain.grouping.constraints import (
    NO_PINS,
    Constraints,
    GroupingError,
    Rules,
    names,
    resolve,
)
from server.domain.grouping.profile import Profile
from server.domain.grouping.similarity import Similarity

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def ranked_pairs(numbers: Board, teams: Sequence[int]) -> list[tuple[int, int]]:
    import numpy as np

    chosen = np.asarray(sorted(teams), dtype=np.int64)
    upper_i, upper_j = np.triu_indices(len(chosen), 1)
    first, second = chosen[upper_i], chosen[upper_j]
    order = np.lexsort((second, first, -numbers.score[first, second], numbers.cost[first, second]))
    return list(zip(first[order].tolist(), second[order].tolist(), strict=True))


def greedy_rooms(
    numbers: Board, size: int, rules: Rules, profiles: Sequence[Profile]
) -> tuple[list[list[int]], list[int]]:
    """(rooms of ``size`` teams, the teams left over)."""
    import numpy as np

    count = numbers.count
    rooms_wanted = count // size
    unit_of = rules.unit_of()
    placed = np.zeros(count, dtype=bool)
    singles = np.array([len(rules.units[unit_of[team]]) == 1 for team in range(count)])
    groups = [unit for unit in rules.units if len(unit) > 1]
    pairs = ranked_pairs(numbers, np.nonzero(singles)[0].tolist())
    cursor = 0
    rooms: list[list[int]] = []
    for _ in range(rooms_wanted):
        room: list[int] = []
        waiting = [unit for unit in groups if not placed[unit[0]]]
        if waiting:
            biggest: tuple[int, ...] = min(waiting, key=_largest_first)
            room = list(biggest)
        else:
            while cursor < len(pairs) and (placed[pairs[cursor][0]] or placed[pairs[cursor][1]]):
                cursor += 1
            if cursor < len(pairs):
                room = list(pairs[cursor])
            else:
                room = np.nonzero(~placed)[0].tolist()[:1]
        placed[room] = True
        cost = numbers.cost[room].sum(axis=0)
        gain = numbers.score[room].sum(axis=0)
        while len(room) < size:
            addition = _best_addition(
                numbers, size - len(room), cost, gain, placed, singles, groups
            )
            if addition is None:
                stuck = [unit for unit in groups if not placed[unit[0]]]
                raise GroupingError(
                    f"together pins cannot be packed into rooms of {size}: "
                    + "; ".join(names(profiles, unit) for unit in stuck)
                    + f" do not fill the seats left; pin groups whose sizes add up to {size}"
                )
            room.extend(addition)
            placed[addition] = True
            cost = cost + numbers.cost[addition].sum(axis=0)
            gain = gain + numbers.score[addition].sum(axis=0)
        rooms.append(sorted(room))
    stuck = [unit for unit in groups if not placed[unit[0]]]
    if stuck:
        raise GroupingError(
            f"together pins cannot be packed into rooms of {size}: "
            + "; ".join(names(profiles, unit) for unit in stuck)
            + " are left without seats; pin fewer teams together"
        )
    return rooms, np.nonzero(~placed)[0].tolist()


def _largest_first(unit: tuple[int, ...]) -> tuple[int, int]:
    return (-len(unit), unit[0])


def _best_addition(
    numbers: Board,
    seats: int,
    cost_row: npt.NDArray[np.float64],
    gain_row: npt.NDArray[np.float64],
    placed: npt.NDArray[np.bool_],
    singles: npt.NDArray[np.bool_],
    groups: Sequence[tuple[int, ...]],
) -> list[int] | None:
    """The unit (a list of teams) that raises the room's cost least and score most."""
    import numpy as np

    open_single = np.nonzero(~placed & singles)[0]
    options: list[tuple[float, float, int, list[int]]] = []
    if len(open_single):
        # Lowest cost, then highest gain, then lowest index: lexsort's last key leads.
        best = open_single[
            np.lexsort((open_single, -gain_row[open_single], cost_row[open_single]))[0]
        ]
        options.append((float(cost_row[best]), -float(gain_row[best]), int(best), [int(best)]))
    for unit in groups:
        if not placed[unit[0]] and len(unit) <= seats:
            members = list(unit)
            options.append(
                (
                    float(cost_row[members].sum()),
                    -float(gain_row[members].sum()),
                    unit[0],
                    members,
                )
            )
    return min(options)[3] if options else None


def greedy_pairs(
    similarity: Similarity, constraints: Constraints = NO_PINS
) -> list[tuple[int, int]]:
    """The greedy baseline for rooms of two, on the same scores and constraints:
    ``len(profiles) // 2`` pairs; a team in none is left over."""
    rules = resolve(similarity.profiles, 2, constraints)
    rooms, _ = greedy_rooms(board(similarity, rules), 2, rules, similarity.profiles)
    return [(room[0], room[1]) for room in rooms]
