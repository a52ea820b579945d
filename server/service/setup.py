"""Setting an event up: the event, its teams, its rooms, and role-scoped join links.

Rules:
- Only the admin key creates events; everything else is done with the
  event's uber moderator link.
- Every setup change goes through the one write path: its inserts and its
  log row in one transaction, then a ``setup.changed`` so open pages refresh.
- A room takes as many teams as the protocol has seats, in seat order, and a
  team sits in at most one room: the seat table's unique constraint refuses
  a second seat even when two uber moderators seat the same team at once
  (the loser is judged again and told which room the team is in).
- Automatic pairing groups teams that share topic tags or their stage of
  implementation (seed 000: "matched based on challenge/problem of practice or
  stage of implementation"): the best-matched pairs first, greedily; teams
  left over are reported, to be placed by hand.
- The event's first uber link is made with it (``server.service.links`` makes
  every other link).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain.records import Event, Room, Team
from server.domain.state import RunState
from server.errors import BadRequest, Conflict, NotFound
from server.protocols import ProtocolLibrary
from server.service.csv_import import parse_teams_csv
from server.service.links import Link, LinkDesk
from server.service.tx import LostRace, Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.team import TeamCreate

PairBy = Literal["tags", "stage", "both"]


def match_score(a: Team, b: Team, by: PairBy) -> int:
    shared_tags = len({t.lower() for t in a.tags} & {t.lower() for t in b.tags})
    same_stage = int(bool(a.stage) and a.stage.lower() == b.stage.lower())
    if by == "tags":
        return shared_tags * 10 + same_stage
    if by == "stage":
        return same_stage * 10 + shared_tags
    return shared_tags + same_stage


def pair_teams(teams: Sequence[Team], by: PairBy) -> tuple[list[tuple[Team, Team]], list[Team]]:
    """Greedy best-first pairing; ties keep the teams' order. Returns pairs and leftovers."""
    order = {team.id: index for index, team in enumerate(teams)}
    candidates = sorted(
        combinations(teams, 2),
        key=lambda pair: (-match_score(pair[0], pair[1], by), order[pair[0].id], order[pair[1].id]),
    )
    paired: set[str] = set()
    pairs: list[tuple[Team, Team]] = []
    for a, b in candidates:
        if a.id in paired or b.id in paired:
            continue
        pairs.append((a, b))
        paired.update((a.id, b.id))
    return pairs, [team for team in teams if team.id not in paired]


class EventSetup:
    def __init__(self, protocols: ProtocolLibrary, writes: WritePath, links: LinkDesk) -> None:
        self.protocols = protocols
        self.writes = writes
        self.links = links

    async def create_event(
        self,
        *,
        title: str,
        protocol_id: str,
        scheduled_start: float,
        main_room_at: float,
        uber_label: str = "Uber moderator",
        uber_may_mint_uber: bool = False,
    ) -> tuple[Event, Link]:
        """Create an event (the admin's act) and its first uber moderator link, which may
        make further uber links only if ``uber_may_mint_uber``."""
        if protocol_id not in self.protocols:
            known = ", ".join(protocol.id for protocol in self.protocols)
            raise BadRequest(
                f"unknown protocol {protocol_id!r}; expected one of: {known}", field="protocol_id"
            )
        if main_room_at <= scheduled_start:
            raise BadRequest("main_room_at must be after scheduled_start", field="main_room_at")

        async def attempt(tx: Tx) -> tuple[Event, Link]:
            event = await crud.create_event(
                tx.session,
                title=title,
                protocol_id=protocol_id,
                scheduled_start=scheduled_start,
                main_room_at=main_room_at,
                now=tx.now,
            )
            link = await self.links.issue(
                tx, event.id, "uber", None, None, uber_label, uber_may_mint_uber
            )
            tx.log(event.id, None, "admin", "event.create", detail={"uber_link_id": link.id})
            return event, link

        return await self.writes.run(attempt, what="the new event")

    async def list_teams(self, principal: Principal) -> list[Team]:
        principal.require_uber("list every team")

        return await self.writes.read(
            lambda session: crud.list_teams(session, event_id=principal.event_id)
        )

    async def add_teams(self, principal: Principal, teams: Sequence[TeamCreate]) -> list[Team]:
        """Add teams (all or none)."""
        principal.require_uber("add teams")

        async def attempt(tx: Tx) -> list[Team]:
            added = await crud.add_teams(
                tx.session,
                event_id=principal.event_id,
                teams=[team.model_dump() for team in teams],
            )
            tx.log(
                principal.event_id,
                None,
                principal.actor,
                "setup.add_teams",
                detail={"team_ids": [team.id for team in added]},
            )
            tx.setup_changed(principal.event_id)
            return added

        return await self.writes.run(attempt, what="the teams")

    async def import_teams(self, principal: Principal, *, csv_text: str) -> list[Team]:
        """Add every team of a CSV file, or none if any row is wrong."""
        principal.require_uber("import teams")
        return await self.add_teams(principal, parse_teams_csv(csv_text))

    async def create_room(
        self,
        principal: Principal,
        *,
        team_ids: Sequence[str],
        label: str | None = None,
        video_room: str = "",
        moderator_name: str = "",
    ) -> Room:
        principal.require_uber("create rooms")

        async def attempt(tx: Tx) -> Room:
            room = await self._create_room(
                tx,
                principal.event_id,
                team_ids=team_ids,
                label=label,
                video_room=video_room,
                moderator_name=moderator_name,
            )
            tx.log(
                principal.event_id,
                room.id,
                principal.actor,
                "setup.create_room",
                detail={"team_ids": list(team_ids)},
            )
            tx.setup_changed(principal.event_id)
            return room

        return await self.writes.run(attempt, what="the rooms")

    async def _create_room(
        self,
        tx: Tx,
        event_id: str,
        *,
        team_ids: Sequence[str],
        label: str | None,
        video_room: str,
        moderator_name: str,
        position: int | None = None,
    ) -> Room:
        event = await crud.get_event(tx.session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        protocol = self.protocols.get(event.protocol_id)
        seats = protocol.room.seats
        if len(team_ids) != seats:
            # The event's protocol decides the seats: a conflict with the event, not a
            # malformed request.
            raise Conflict(
                f"a {protocol.title} room takes {seats} team(s) in seat order, got {len(team_ids)}",
                field="team_ids",
            )
        if len(set(team_ids)) != len(team_ids):
            raise BadRequest("a team can only take one seat in a room", field="team_ids")
        seated = await crud.seated_team_ids(tx.session, event_id=event_id)
        teams = {team.id: team for team in await crud.get_teams(tx.session, team_ids=team_ids)}
        for index, team_id in enumerate(team_ids):
            team = teams.get(team_id)
            if team is None or team.event_id != event_id:
                raise NotFound(
                    f"no team with id {team_id!r} in this event", field=f"team_ids[{index}]"
                )
            if team_id in seated:
                raise Conflict(
                    f"{team.name} is already in {seated[team_id]}", field=f"team_ids[{index}]"
                )
        if position is None:
            position = await crud.room_count(tx.session, event_id=event_id) + 1
        try:
            return await crud.create_room(
                tx.session,
                event_id=event_id,
                label=label or f"Room {position}",
                team_ids=team_ids,
                state=RunState(protocol.id),
                position=position,
                video_room=video_room,
                moderator_name=moderator_name,
            )
        except IntegrityError:
            # Another uber moderator seated one of these teams meanwhile: judge again.
            raise LostRace("a seat") from None

    async def auto_pair(self, principal: Principal, *, by: PairBy) -> tuple[list[Room], list[Team]]:
        """Pair every team not yet in a room; returns the new rooms and the teams left over."""
        principal.require_uber("pair teams")

        async def attempt(tx: Tx) -> tuple[list[Room], list[Team]]:
            event = await crud.get_event(tx.session, event_id=principal.event_id)
            if event is None:
                raise NotFound(f"no event with id {principal.event_id!r}")
            protocol = self.protocols.get(event.protocol_id)
            if protocol.room.seats != 2:
                raise Conflict(
                    f"automatic pairing makes rooms of two teams; {protocol.title} rooms take "
                    f"{protocol.room.seats}: create its rooms by hand",
                    field="by",
                )
            seated = await crud.seated_team_ids(tx.session, event_id=principal.event_id)
            free = [
                team
                for team in await crud.list_teams(tx.session, event_id=principal.event_id)
                if team.id not in seated
            ]
            pairs, leftovers = pair_teams(free, by)
            first = await crud.room_count(tx.session, event_id=principal.event_id) + 1
            rooms = [
                await self._create_room(
                    tx,
                    principal.event_id,
                    team_ids=[a.id, b.id],
                    label=None,
                    video_room="",
                    moderator_name="",
                    position=first + index,
                )
                for index, (a, b) in enumerate(pairs)
            ]
            tx.log(
                principal.event_id,
                None,
                principal.actor,
                "setup.pair",
                detail={"by": by, "room_ids": [room.id for room in rooms]},
            )
            tx.setup_changed(principal.event_id)
            return rooms, leftovers

        return await self.writes.run(attempt, what="the rooms")


ZOOM_COLUMNS = ("Pre-assign Room Name", "Email Address")
"""Zoom's breakout-room pre-assignment CSV (its column names, in its order)."""


async def zoom_assignment_rows(writes: WritePath, principal: Principal) -> list[tuple[str, str]]:
    """(room label, e-mail) for every member address of every seated team, in room order."""
    principal.require_uber("export the rooms")

    async def read(session: AsyncSession) -> list[tuple[str, str]]:
        event = await crud.get_event(session, event_id=principal.event_id)
        if event is None:
            raise NotFound(f"no event with id {principal.event_id!r}")
        setup = await crud.load_setup(
            session, event_id=principal.event_id, version=event.setup_version
        )
        rows: list[tuple[str, str]] = []
        for room in sorted(setup.rooms.values(), key=lambda room: (room.position, room.id)):
            for team_id in room.team_ids:
                team = setup.teams.get(team_id)
                rows += [(room.label, email) for email in (team.emails if team else ())]
        return rows

    return await writes.read(read)
