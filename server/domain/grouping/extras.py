"""Where the teams beyond the rooms' seats go: to the rooms they fit best.

Rules:
- Teams left over when the count does not divide (fewest possible: the count
  modulo the room size) each join a room, taken in index order.
- A team goes where it meets no one it must be kept from (an apart pin, a
  copy), then where no other extra is (two extras share a room only when there
  are more extras than rooms), then where it breaks keep-apart least, then
  where its scores with the room's teams sum highest; ties go to the first room.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain.grouping.board import Board


def place_extras(
    board: Board, rooms: Sequence[Sequence[int]], extras: Sequence[int]
) -> list[tuple[int, int]]:
    """(team, room index) for each extra team."""
    members = [list(room) for room in rooms]
    taken = [0] * len(rooms)
    placed: list[tuple[int, int]] = []
    for team in sorted(extras):

        def fit(room: int, team: int = team) -> tuple[float, int, float, float, int]:
            cost = float(sum(board.cost[team, other] for other in members[room]))
            gain = float(sum(board.score[team, other] for other in members[room]))
            hard = cost // board.hard
            return (hard, taken[room], cost - hard * board.hard, -gain, room)

        best = min(range(len(rooms)), key=fit)
        members[best].append(team)
        taken[best] += 1
        placed.append((team, best))
    return placed
