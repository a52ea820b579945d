"""An upper bound on what any grouping into rooms of three or more can score.

Rules:
- A room's score is half the sum, over its teams, of each team's scores with
  the others. A team with ``c`` partners therefore adds at most half its ``c``
  best scores, so half the sum over teams of their best ``size - 1`` scores
  bounds every grouping (seed rule: "half the sum over teams of their best
  (size-1) scores").
- Rooms with extras give some teams more partners: for each extra partner
  level, only as many teams as the rooms allow get it, and they are credited
  with the largest such next-best scores there are (a relaxation, so still a
  bound).
- Constraints are used where cheap: a team never counts a partner it must be
  kept from; its pinned partners are always counted; and when the grouping
  found has no breaks (so the best grouping has none either), partners
  sharing a keep-apart key are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain.grouping.board import Board
from server.domain.grouping.constraints import Rules


def upper_bound(
    board: Board, rules: Rules, room_sizes: Sequence[int], *, without_breaks: bool
) -> float:
    import numpy as np

    count = board.count
    allowed = board.cost < (1.0 if without_breaks else board.hard)
    np.fill_diagonal(allowed, False)
    pinned = np.zeros((count, count), dtype=bool)
    for unit in rules.units:
        pinned[np.ix_(unit, unit)] = True
    np.fill_diagonal(pinned, False)
    most = max(room_sizes) - 1
    # best[t, c]: the most team t can score with c partners (its pinned ones among them).
    best = np.zeros((count, most + 1))
    for team in range(count):
        forced = board.score[team, pinned[team]]
        free = np.sort(board.score[team, allowed[team] & ~pinned[team]])[::-1]
        sums = np.concatenate([[0.0], np.cumsum(free)])
        for partners in range(len(forced), most + 1):
            best[team, partners] = forced.sum() + sums[min(partners - len(forced), len(free))]
        best[team, : len(forced)] = forced.sum()
    fewest = min(room_sizes) - 1
    value = float(best[:, fewest].sum())
    for level in range(fewest + 1, most + 1):
        teams_at_level = sum(size for size in room_sizes if size - 1 >= level)
        step = np.sort(best[:, level] - best[:, level - 1])[::-1]
        value += float(step[:teams_at_level].sum())
    return value / 2
