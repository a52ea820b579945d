"""Rooms of two: the best pairs there are, by maximum-weight matching.

Rules:
- Teams pinned together form their pair up front; every other team is matched.
- Each possible pair weighs ``PENALTY`` if it shares no keep-apart key, plus
  its score scaled to an integer; pairs that must never meet (an apart pin, a
  copy) are not pairs at all. ``PENALTY`` exceeds the largest total score, so
  among the matchings that pair the most teams, the one chosen has the fewest
  breaks first and the highest total score second.
- Scores are scaled by ``SCALE`` and rounded, so totals are compared exactly;
  two pairings whose totals differ by less than 1/``SCALE`` count as equal.
"""

from __future__ import annotations

from server.domain.grouping.board import Board
from server.domain.grouping.constraints import Rules
from server.domain.grouping.matching import Weight, best_matching

SCALE = 10**9


def pair_rooms(board: Board, rules: Rules) -> tuple[list[list[int]], list[int]]:
    """(rooms of two, the teams left unpaired)."""
    fixed = [list(unit) for unit in rules.units if len(unit) == 2]
    free = [unit[0] for unit in rules.units if len(unit) == 1]
    penalty = SCALE * (len(free) // 2 + 1)
    weights: list[list[Weight]] = [
        [
            None
            if a == b or board.cost[a, b] >= board.hard
            else penalty * int(board.cost[a, b] == 0) + round(float(board.score[a, b]) * SCALE)
            for b in free
        ]
        for a in free
    ]
    pairs = best_matching(weights)
    rooms = fixed + [[free[a], free[b]] for a, b in pairs]
    paired = {team for room in rooms for team in room}
    return sorted(rooms), [team for team in free if team not in paired]
