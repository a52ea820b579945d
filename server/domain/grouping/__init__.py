"""Grouping teams into rooms: optimal where it can be, explained, pure and deterministic.

Teams each wrote a challenge and a request for feedback, may carry topic tags
and a stage of implementation, and may carry keep-apart keys (a state, an
organisation) that should not meet in one room. ``similarity`` scores every
pair of teams and says why two fit; ``group`` puts them in rooms of ``size``
seats: 2 for pairs, 3 for coaching triads, 4 for learning walks.

Rules (each module states its own in full):
- Scores mix text (TF-IDF cosine), tags (Jaccard) and stage (same or not) by
  stated weights summing to 1, so every score is in [0, 1] (``weights.py``,
  ``similarity.py``).
- Pairs are optimal: a maximum-weight matching (``pairs.py``,
  ``matching.py``). Larger rooms start greedy and improve by swaps until none
  helps, never below the greedy start, with an upper bound stated.
- Keep-apart keys are honoured whenever possible and broken as few times as
  possible; apart pins and copies of one team are never broken; together pins
  are never split (``constraints.py``).
- Nothing here reads a clock, does I/O, or draws a random number; scikit-learn,
  scipy, numpy and networkx are imported only when a computation needs them.
"""

from server.domain.grouping.constraints import Constraints, GroupingError, Remainder
from server.domain.grouping.greedy import greedy_pairs
from server.domain.grouping.group import group
from server.domain.grouping.profile import Profile
from server.domain.grouping.result import Grouping
from server.domain.grouping.scoring import score_rooms
from server.domain.grouping.similarity import Similarity, similarity
from server.domain.grouping.weights import Weights

__all__ = [
    "Constraints",
    "Grouping",
    "GroupingError",
    "Profile",
    "Remainder",
    "Similarity",
    "Weights",
    "greedy_pairs",
    "group",
    "score_rooms",
    "similarity",
]
