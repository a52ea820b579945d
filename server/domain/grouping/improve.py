"""Improving a grouping by swaps and moves until no single one helps.

Rules:
- A swap exchanges two teams in different rooms; a move takes a team from a
  room to one with fewer teams (an extra changing rooms), so room sizes never
  become more uneven. Teams pinned together with others never move: the rest
  move around them.
- Only a change that helps is made: fewer hard violations and breaks (the
  board's cost), or the same cost and a higher score by more than ``EPSILON``.
  So the result is never worse than the start, and the search ends.
- Each team in turn, in index order, makes the best change open to it (ties:
  swaps before moves, then the lowest index); passes repeat until one changes
  nothing (no single swap or move helps) or ``MAX_PASSES`` is reached.
- Scores of a team with each room are kept up to date as teams move, so one
  team's options cost one pass over the teams, not over every pair.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain.grouping.board import Board

EPSILON = 1e-9
MAX_PASSES = 60


def improve(
    board: Board, rooms: Sequence[Sequence[int]], movable: Sequence[bool]
) -> list[list[int]]:
    import numpy as np

    count = board.count
    members = [list(room) for room in rooms]
    room_of = np.zeros(count, dtype=np.int64)
    for index, room in enumerate(members):
        room_of[room] = index
    lengths = np.array([len(room) for room in members], dtype=np.int64)
    score, cost = board.score, board.cost
    with_room = np.stack([score[:, room].sum(axis=1) for room in members], axis=1)
    cost_room = np.stack([cost[:, room].sum(axis=1) for room in members], axis=1)
    can_move = np.asarray(movable, dtype=bool)
    everyone = np.arange(count)
    for _ in range(MAX_PASSES):
        changed = False
        for team in np.nonzero(can_move)[0].tolist():
            here = int(room_of[team])
            own_score = with_room[everyone, room_of]
            own_cost = cost_room[everyone, room_of]
            swap_cost = (
                cost_room[:, here]
                + cost_room[team, room_of]
                - cost_room[team, here]
                - own_cost
                - 2 * cost[team]
            )
            swap_score = (
                with_room[:, here]
                + with_room[team, room_of]
                - with_room[team, here]
                - own_score
                - 2 * score[team]
            )
            partners = np.nonzero(can_move & (room_of != here))[0]
            targets = np.nonzero(lengths < lengths[here])[0]
            move_cost = cost_room[team, targets] - cost_room[team, here]
            move_score = with_room[team, targets] - with_room[team, here]
            costs = np.concatenate([swap_cost[partners], move_cost])
            gains = np.concatenate([swap_score[partners], move_score])
            if not len(costs):
                continue
            least = costs.min()
            best = int(np.nonzero(costs == least)[0][gains[costs == least].argmax()])
            if least > 0 or (least == 0 and gains[best] <= EPSILON):
                continue
            changed = True
            if best < len(partners):
                other = int(partners[best])
                there = int(room_of[other])
                members[here][members[here].index(team)] = other
                members[there][members[there].index(other)] = team
                room_of[team], room_of[other] = there, here
                delta_score = score[:, other] - score[:, team]
                delta_cost = cost[:, other] - cost[:, team]
                with_room[:, here] += delta_score
                with_room[:, there] -= delta_score
                cost_room[:, here] += delta_cost
                cost_room[:, there] -= delta_cost
            else:
                there = int(targets[best - len(partners)])
                members[here].remove(team)
                members[there].append(team)
                room_of[team] = there
                lengths[here] -= 1
                lengths[there] += 1
                with_room[:, here] -= score[:, team]
                with_room[:, there] += score[:, team]
                cost_room[:, here] -= cost[:, team]
                cost_room[:, there] += cost[:, team]
        if not changed:
            break
    return [sorted(room) for room in members]
