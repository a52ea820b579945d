"""Grouping teams into two-team rooms, and what becomes of an odd team.

Rules:
- Teams that share topic tags or their stage of implementation are paired
  (seed 000: "matched based on challenge/problem of practice or stage of
  implementation"): the best-matched pairs first, greedily; ties keep the
  teams' order, so the same input always gives the same pairs.
- A team is never paired with itself nor with a copy of itself (the same name
  and organisation, ``server.domain.team_identity``): such teams are left over
  rather than put together.
- An odd team is never silently left out: the caller chooses whether it joins
  the room it matches best as a third team (``join``) or sits in that room as
  observers (``observe``); with no choice, pairing is refused and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from server.domain.records import Team
from server.domain.team_identity import identity

PairBy = Literal["tags", "stage", "both"]
OddTeam = Literal["join", "observe"]


def match_score(a: Team, b: Team, by: PairBy) -> int:
    shared_tags = len({t.lower() for t in a.tags} & {t.lower() for t in b.tags})
    same_stage = int(bool(a.stage) and a.stage.lower() == b.stage.lower())
    if by == "tags":
        return shared_tags * 10 + same_stage
    if by == "stage":
        return same_stage * 10 + shared_tags
    return shared_tags + same_stage


def may_pair(a: Team, b: Team) -> bool:
    return a.id != b.id and identity(a) != identity(b)


@dataclass(frozen=True, slots=True)
class Pairing:
    pairs: list[tuple[Team, Team]]
    extra: tuple[Team, int] | None
    """The odd team and the index (in ``pairs``) of the room it joins."""
    leftovers: list[Team]
    """Teams that could not be placed (only copies of one another were left)."""


def pair_teams(teams: Sequence[Team], by: PairBy, odd: OddTeam | None = None) -> Pairing:
    """Greedy best-first pairing; ties keep the teams' order."""
    order = {team.id: index for index, team in enumerate(teams)}
    candidates = sorted(
        (pair for pair in combinations(teams, 2) if may_pair(*pair)),
        key=lambda pair: (-match_score(pair[0], pair[1], by), order[pair[0].id], order[pair[1].id]),
    )
    paired: set[str] = set()
    pairs: list[tuple[Team, Team]] = []
    for a, b in candidates:
        if a.id in paired or b.id in paired:
            continue
        pairs.append((a, b))
        paired.update((a.id, b.id))
    leftovers = [team for team in teams if team.id not in paired]
    extra: tuple[Team, int] | None = None
    if odd is not None and pairs and len(leftovers) % 2 == 1:
        # The odd team goes where it fits best (and never beside a copy of itself).
        team = leftovers[-1]
        fits = [
            (-(match_score(team, a, by) + match_score(team, b, by)), index)
            for index, (a, b) in enumerate(pairs)
            if may_pair(team, a) and may_pair(team, b)
        ]
        if fits:
            extra = (team, min(fits)[1])
            leftovers = leftovers[:-1]
    return Pairing(pairs, extra, leftovers)
