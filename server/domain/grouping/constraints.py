"""What the organiser pins, what the teams' keys forbid, and when that is impossible.

Rules:
- ``together`` pins put two teams in one room; pins chain (A with B and B with C
  puts all three in one room), and the teams so joined form a unit that is
  never split.
- ``apart`` pins put two teams in different rooms, always (hard). A team is
  never in a room with a copy of itself (two profiles with one ``id``): that
  is as hard as an apart pin.
- ``keep_apart`` honours the teams' keep-apart keys whenever possible (soft):
  a room holding two teams that share a key is a *break*, made only when no
  grouping avoids it, and then as few times as possible. Breaks are counted
  per pair of teams, however many keys the pair shares.
- A pin naming a team that does not exist, a team pinned to itself, a unit
  larger than a room, and a unit holding two teams that must be apart are
  refused with a GroupingError that names the teams and says what would work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from server.domain.grouping.profile import Profile

Remainder = Literal["join", "observe"]


class GroupingError(ValueError):
    """The teams cannot be grouped as asked; the message says why and what would work."""


@dataclass(frozen=True, slots=True)
class Constraints:
    together: tuple[tuple[int, int], ...] = ()
    apart: tuple[tuple[int, int], ...] = ()
    keep_apart: bool = True


NO_PINS = Constraints()
"""The default: no pins, keep-apart keys honoured."""


def names(profiles: Sequence[Profile], teams: Sequence[int]) -> str:
    """'A', 'A and B', 'A, B and C' (in the given order)."""
    shown = [profiles[team].name or profiles[team].id for team in teams]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def shared_key_pairs(keys: Sequence[Sequence[str]]) -> set[tuple[int, int]]:
    """Every pair (i < j) of teams sharing at least one key."""
    holders: dict[str, list[int]] = {}
    for team, team_keys in enumerate(keys):
        for key in dict.fromkeys(team_keys):
            holders.setdefault(key, []).append(team)
    return {pair for teams in holders.values() for pair in combinations(teams, 2)}


@dataclass(frozen=True, slots=True)
class Rules:
    """The constraints resolved against the profiles: what the algorithms read."""

    count: int
    units: tuple[tuple[int, ...], ...]
    """Teams that share a room by pins, each sorted; every team is in exactly one unit
    (most alone); ordered by their first team."""
    forbidden: frozenset[tuple[int, int]]
    """Pairs (i < j) that must never share a room."""
    conflicts: frozenset[tuple[int, int]]
    """Pairs (i < j) sharing a keep-apart key, when keep_apart is on (else empty)."""

    def may_meet(self, i: int, j: int) -> bool:
        return (min(i, j), max(i, j)) not in self.forbidden

    def conflict(self, i: int, j: int) -> bool:
        return (min(i, j), max(i, j)) in self.conflicts

    def unit_of(self) -> list[int]:
        """For each team, the index of its unit."""
        owner = [0] * self.count
        for index, unit in enumerate(self.units):
            for team in unit:
                owner[team] = index
        return owner


def _check_pin(profiles: Sequence[Profile], pin: tuple[int, int], kind: str) -> None:
    count = len(profiles)
    if len(pin) != 2 or not all(0 <= team < count for team in pin):
        raise GroupingError(
            f"the {kind} pin {pin!r} names no team: teams are numbered 0 to {count - 1}"
        )
    if pin[0] == pin[1]:
        raise GroupingError(
            f"the {kind} pin {pin!r} names {names(profiles, pin[:1])} twice: "
            "a pin joins or separates two different teams"
        )


def resolve(profiles: Sequence[Profile], size: int, constraints: Constraints) -> Rules:
    count = len(profiles)
    for pin in constraints.together:
        _check_pin(profiles, pin, "together")
    for pin in constraints.apart:
        _check_pin(profiles, pin, "apart")

    parent = list(range(count))

    def root(team: int) -> int:
        while parent[team] != team:
            parent[team] = parent[parent[team]]
            team = parent[team]
        return team

    for a, b in constraints.together:
        low, high = sorted((root(a), root(b)))
        parent[high] = low
    members: dict[int, list[int]] = {}
    for team in range(count):
        members.setdefault(root(team), []).append(team)
    units = tuple(tuple(unit) for unit in sorted(members.values()))

    forbidden = {(min(a, b), max(a, b)) for a, b in constraints.apart}
    by_id: dict[str, list[int]] = {}
    for team, profile in enumerate(profiles):
        by_id.setdefault(profile.id, []).append(team)
    forbidden.update(pair for teams in by_id.values() for pair in combinations(teams, 2))

    for unit in units:
        if len(unit) > size:
            raise GroupingError(
                f"together pins put {names(profiles, unit)} in one room, but a room has "
                f"{size} seats: unpin {len(unit) - size} of them or choose larger rooms"
            )
        for pair in combinations(unit, 2):
            if pair in forbidden:
                reason = (
                    "are the same team"
                    if profiles[pair[0]].id == profiles[pair[1]].id
                    else "are pinned apart"
                )
                raise GroupingError(
                    f"{names(profiles, pair)} {reason}, but together pins put them in one "
                    f"room ({names(profiles, unit)}): remove one of those pins"
                )

    conflicts = (
        shared_key_pairs([profile.apart_keys for profile in profiles])
        if constraints.keep_apart
        else set()
    )
    return Rules(count, units, frozenset(forbidden), frozenset(conflicts))
