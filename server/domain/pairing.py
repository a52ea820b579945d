"""Grouping teams into two-team rooms, and what becomes of an odd team.

Rules:
- Teams that share topic tags or their stage of implementation are paired
  (seed 000: "matched based on challenge/problem of practice or stage of
  implementation") by a maximum-weight matching among those that pair as many
  teams as possible (``server.domain.grouping.matching``): the total fit is the
  best possible, not the greedy best-pair-first's. The same input always gives
  the same pairs. (``server.domain.grouping`` also reads what teams wrote.)
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
from typing import Literal

from server.domain.grouping.matching import best_matching
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
    """The best pairs by ``match_score``; a team never meets a copy of itself."""
    weights = [
        [
            None if i == j or not may_pair(a, b) else match_score(a, b, by)
            for j, b in enumerate(teams)
        ]
        for i, a in enumerate(teams)
    ]
    pairs = [(teams[i], teams[j]) for i, j in best_matching(weights)]
    paired = {team.id for pair in pairs for team in pair}
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
