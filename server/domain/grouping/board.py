"""The numbers the grouping algorithms read: scores and costs as arrays.

Rules:
- ``score[i, j]`` is the similarity score; ``cost[i, j]`` is ``HARD`` for a pair
  that must never meet (an apart pin, a copy), 1 for a pair sharing a
  keep-apart key (when keep-apart is on), else 0.
- An arrangement is judged by its total cost first (fewest hard violations,
  then fewest breaks) and only then by its total score. ``HARD`` exceeds any
  possible number of breaks, so one hard violation always outweighs them all.
- numpy is imported when a board is built, never at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.domain.grouping.constraints import Rules
from server.domain.grouping.similarity import Similarity

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Board:
    score: npt.NDArray[np.float64]
    cost: npt.NDArray[np.float64]
    hard: float

    @property
    def count(self) -> int:
        return int(self.score.shape[0])


def board(similarity: Similarity, rules: Rules) -> Board:
    import numpy as np

    count = len(similarity)
    score = np.array(similarity.scores, dtype=np.float64).reshape(count, count)
    hard = float(count * count + 1)
    cost = np.zeros((count, count), dtype=np.float64)
    for i, j in rules.conflicts:
        cost[i, j] = cost[j, i] = 1.0
    for i, j in rules.forbidden:
        cost[i, j] = cost[j, i] = hard
    return Board(score, cost, hard)
