"""Grouping an event's free teams into rooms a planner would choose: proposed, explained,
adjusted by hand, then committed as one change.

Rules:
- The teams grouped are those not yet in a room; a room takes as many teams as the
  protocol has seats (pairs, triads, learning-walk teams of four, a fishbowl's inner
  circle), and a team left over when the count does not divide is placed as the caller
  chooses (``join``: a room one larger; ``observe``: seated as the protocol's
  observers), never dropped.
- Similarity reads what teams wrote (challenge and request), their tags and stage,
  with weights stated in every answer (``server.domain.grouping``). Teams sharing a
  keep-apart field (state, organisation) are kept apart whenever possible; when not,
  the answer names the pairs that break it.
- A dry run writes nothing and answers the proposal: each room's teams, score and
  explanation, the total (with the bound the heuristic can state for rooms of three or
  more), the unplaced, and the setup version it was made on. Given ``rooms`` (a
  proposal the organiser edited), it scores exactly those.
- A commit creates exactly the rooms it is given (or, without them, the proposal) in
  one change: the setup compare-and-set on the version the caller saw, its log row,
  ``setup.changed``. A team already seated, a team named twice, a room of the wrong
  size: refused with the reason, nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain.grouping import (
    Constraints,
    Grouping,
    GroupingError,
    Profile,
    Similarity,
    Weights,
    group,
    score_rooms,
    similarity,
)
from server.domain.pairing import OddTeam
from server.domain.protocol import Protocol
from server.domain.records import Event, Room, Team
from server.errors import Conflict, NotFound
from server.protocols import ProtocolLibrary
from server.service.setup import EventSetup
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud

ApartField = Literal["state", "organisation"]
APART_FIELDS: tuple[ApartField, ...] = ("state", "organisation")


@dataclass(frozen=True, slots=True)
class ProposedRoom:
    teams: list[Team]
    extra: Team | None
    """A team beyond the room's seats (the remainder), seated as ``odd_team`` says."""
    score: float
    explanation: str
    breaks: list[tuple[Team, Team]]


@dataclass(frozen=True, slots=True)
class Proposal:
    size: int
    method: str
    weights: Weights
    keep_apart_by: tuple[ApartField, ...]
    rooms: list[ProposedRoom]
    total: float
    bound: float | None
    greedy_total: float | None
    unplaced: list[Team]
    breaks: list[tuple[Team, Team]]
    setup_version: int
    committed: list[Room] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GroupRequest:
    weights: Weights = field(default_factory=Weights)
    keep_apart_by: tuple[ApartField, ...] = ("state",)
    together: tuple[tuple[str, str], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    odd_team: OddTeam | None = None
    rooms: tuple[tuple[str, ...], ...] | None = None
    """Exactly these rooms (team ids in seat order; one more than the seats for an extra)."""


def _profile(team: Team, keep_apart_by: Sequence[ApartField]) -> Profile:
    keys = []
    for name in keep_apart_by:
        value = " ".join(str(getattr(team, name, "") or "").split()).casefold()
        if value:
            keys.append(f"{name}:{value}")
    return Profile(
        id=team.id,
        name=team.name,
        challenge=team.challenge,
        request=team.request,
        tags=tuple(team.tags),
        stage=team.stage,
        apart_keys=tuple(keys),
    )


class RoomGrouping:
    def __init__(self, protocols: ProtocolLibrary, writes: WritePath, setup: EventSetup) -> None:
        self.protocols = protocols
        self.writes = writes
        self.setup = setup

    async def propose(self, principal: Principal, request: GroupRequest) -> Proposal:
        """A dry run: the proposal (or the score of the given rooms); nothing is written."""
        principal.require_uber("group teams into rooms")

        async def read(session: AsyncSession) -> tuple[Event, list[Team], dict[str, str]]:
            return await self._free_teams(session, principal.event_id)

        event, free, seated = await self.writes.read(read)
        return self._proposal(event, free, seated, request)

    async def commit(
        self, principal: Principal, request: GroupRequest, *, setup_version: int
    ) -> Proposal:
        """Create the rooms (the given ones, else the proposal's) as one change on the
        setup version the caller saw."""
        principal.require_uber("group teams into rooms")

        async def attempt(tx: Tx) -> Proposal:
            event, free, seated = await self._free_teams(tx.session, principal.event_id)
            proposal = self._proposal(event, free, seated, request)
            if not proposal.rooms:
                raise Conflict("no room to create: every team is already in a room")
            protocol = self.protocols.get(event.protocol_id)
            odd_role = (
                self.setup.odd_role(protocol, request.odd_team)
                if any(room.extra for room in proposal.rooms)
                else ""
            )
            created = await self.setup.seat_new_rooms(
                tx,
                principal.event_id,
                [
                    ([team.id for team in room.teams], room.extra.id if room.extra else None)
                    for room in proposal.rooms
                ],
                odd_role,
            )
            tx.log(
                principal.event_id,
                None,
                principal.actor,
                "setup.group",
                detail={
                    "method": proposal.method,
                    "weights": _weights_json(proposal.weights),
                    "keep_apart_by": list(proposal.keep_apart_by),
                    "total": round(proposal.total, 4),
                    "room_ids": [room.id for room in created],
                    "odd_team": request.odd_team,
                    "edited": request.rooms is not None,
                },
            )
            tx.setup_changed(principal.event_id, seen=setup_version)
            return replace(proposal, setup_version=setup_version + 1, committed=created)

        return await self.writes.run(attempt, what="the rooms")

    # -- the proposal ----------------------------------------------------------------

    async def _free_teams(
        self, session: AsyncSession, event_id: str
    ) -> tuple[Event, list[Team], dict[str, str]]:
        event = await crud.get_event(session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        teams = await crud.list_teams(session, event_id=event_id)
        seated = await crud.seated_team_ids(session, event_id=event_id)
        return event, [team for team in teams if team.id not in seated], seated

    def _proposal(
        self, event: Event, free: list[Team], seated: dict[str, str], request: GroupRequest
    ) -> Proposal:
        protocol = self.protocols.get(event.protocol_id)
        size = protocol.room.seats
        index = {team.id: position for position, team in enumerate(free)}
        profiles = [_profile(team, request.keep_apart_by) for team in free]
        if request.rooms is not None:
            return self._scored(event, protocol, free, seated, profiles, request)
        if not free:
            raise Conflict("every team is already in a room: there is nobody left to group")
        constraints = Constraints(
            together=tuple(self._pin(pair, index, seated, "together") for pair in request.together),
            apart=tuple(self._pin(pair, index, seated, "apart") for pair in request.apart),
            keep_apart=bool(request.keep_apart_by),
        )
        if request.odd_team == "observe":
            self.setup.odd_role(protocol, "observe")  # refused when the protocol has none
        scores = similarity(profiles, request.weights)
        try:
            grouping = group(
                scores,
                size,
                profiles=profiles,
                constraints=constraints,
                remainder=request.odd_team,
            )
        except GroupingError as error:
            raise Conflict(f"{error} ({protocol.title} rooms take {size})") from None
        return self._view(event, protocol, free, scores, grouping, request)

    def _scored(
        self,
        event: Event,
        protocol: Protocol,
        free: list[Team],
        seated: dict[str, str],
        profiles: list[Profile],
        request: GroupRequest,
    ) -> Proposal:
        """The organiser's own arrangement, checked and scored as it stands."""
        assert request.rooms is not None
        size = protocol.room.seats
        index = {team.id: position for position, team in enumerate(free)}
        rooms: list[tuple[int, ...]] = []
        extras: list[tuple[int, int]] = []
        placed: set[str] = set()
        for number, team_ids in enumerate(request.rooms):
            where = f"rooms[{number}]"
            if len(team_ids) not in (size, size + 1):
                raise Conflict(
                    f"room {number + 1} has {len(team_ids)} teams; {protocol.title} rooms take "
                    f"{size} (or {size + 1} with a team beyond the seats)",
                    field=where,
                )
            for team_id in team_ids:
                if team_id in placed:
                    raise Conflict(f"team {team_id!r} is named twice", field=where)
                if team_id in seated:
                    raise Conflict(f"team {team_id!r} is already in {seated[team_id]}", field=where)
                if team_id not in index:
                    raise NotFound(f"no team with id {team_id!r} in this event", field=where)
                placed.add(team_id)
            rooms.append(tuple(index[team_id] for team_id in team_ids[:size]))
            if len(team_ids) == size + 1:
                if request.odd_team is None:
                    raise Conflict(
                        f"room {number + 1} has a team beyond its seats: choose odd_team "
                        "'join' (it joins the room) or 'observe' (it sits in as observers)",
                        field="odd_team",
                    )
                extras.append((index[team_ids[size]], len(rooms) - 1))
        scores = similarity(profiles, request.weights)
        room_scores, total, breaks = score_rooms(scores, rooms, extras, profiles=profiles)
        grouping = Grouping(
            rooms=rooms,
            extras=extras,
            room_scores=room_scores,
            total=total,
            bound=None,
            greedy_total=total,
            breaks=breaks,
            method="as arranged",
        )
        return self._view(event, protocol, free, scores, grouping, request, edited=True)

    @staticmethod
    def _pin(
        pair: tuple[str, str], index: dict[str, int], seated: dict[str, str], kind: str
    ) -> tuple[int, int]:
        for team_id in pair:
            if team_id in seated:
                raise Conflict(f"team {team_id!r} is already in {seated[team_id]}", field=kind)
            if team_id not in index:
                raise NotFound(f"no team with id {team_id!r} in this event", field=kind)
        if pair[0] == pair[1]:
            raise Conflict("a pin names two different teams; this one names one twice", field=kind)
        return index[pair[0]], index[pair[1]]

    def _view(
        self,
        event: Event,
        protocol: Protocol,
        free: list[Team],
        scores: Similarity,
        grouping: Grouping,
        request: GroupRequest,
        *,
        edited: bool = False,
    ) -> Proposal:
        extra_of = {room: team for team, room in grouping.extras}
        breaks_by_room: dict[int, list[tuple[Team, Team]]] = {}
        room_of = {team: number for number, room in enumerate(grouping.rooms) for team in room}
        room_of.update(dict(grouping.extras))
        for a, b in grouping.breaks:
            breaks_by_room.setdefault(room_of[a], []).append((free[a], free[b]))
        rooms = []
        for number, members in enumerate(grouping.rooms):
            everyone = [*members, *([extra_of[number]] if number in extra_of else [])]
            rooms.append(
                ProposedRoom(
                    teams=[free[i] for i in members],
                    extra=free[extra_of[number]] if number in extra_of else None,
                    score=grouping.room_scores[number],
                    explanation=_explain(scores, free, everyone),
                    breaks=breaks_by_room.get(number, []),
                )
            )
        placed = set(room_of)
        return Proposal(
            size=protocol.room.seats,
            method=grouping.method,
            weights=request.weights,
            keep_apart_by=request.keep_apart_by,
            rooms=rooms,
            total=grouping.total,
            bound=grouping.bound,
            greedy_total=None if edited else grouping.greedy_total,
            unplaced=[team for position, team in enumerate(free) if position not in placed],
            breaks=[(free[a], free[b]) for a, b in grouping.breaks],
            setup_version=event.setup_version,
        )


def _explain(scores: Similarity, teams: list[Team], members: Sequence[int]) -> str:
    """Why a room's teams were put together: one line for a pair, one per pair beyond."""
    if len(members) == 2:
        return scores.explain(members[0], members[1])
    parts = []
    for position, a in enumerate(members):
        for b in members[position + 1 :]:
            parts.append(f"{teams[a].name} & {teams[b].name}: {scores.explain(a, b)}")
    return " · ".join(parts)


def _weights_json(weights: Weights) -> dict[str, float]:
    return {"text": weights.text, "tags": weights.tags, "stage": weights.stage}
