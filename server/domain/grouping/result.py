"""A grouping as the caller receives it: rooms, extras, scores and how it was found.

Rules:
- ``rooms`` hold the seated teams (indices into the profiles), each room
  sorted, rooms ordered by their first team; ``extras`` are the teams beyond
  a room's seats as (team, room index), sorted by room.
- ``room_scores`` count every pair in a room, extras included; ``total`` is
  their sum. ``greedy_total`` is what the greedy baseline scores on the same
  input, for reports and benchmarks.
- ``bound`` is an upper bound on ``total`` that the algorithm can state (None
  for rooms of two, where the total is the best possible).
- ``breaks`` are the pairs in one room sharing a keep-apart key (i < j).
"""

from __future__ import annotations

from dataclasses import dataclass

MATCHING = "maximum-weight matching"
SWAPS = "greedy start + improving swaps"


@dataclass(frozen=True, slots=True)
class Grouping:
    rooms: list[tuple[int, ...]]
    extras: list[tuple[int, int]]
    room_scores: list[float]
    total: float
    bound: float | None
    greedy_total: float
    breaks: list[tuple[int, int]]
    method: str
