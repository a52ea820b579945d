"""Setting an event up: the event, its teams, its rooms, and role-scoped join links.

Rules:
- Only the admin key creates events; everything else is done with the
  event's uber moderator link.
- A room takes as many teams as the protocol has seats, in seat order.
- Automatic pairing groups teams that share topic tags or their stage of
  implementation (seed 000: "matched based on challenge/problem of practice or
  stage of implementation"): the best-matched pairs first, greedily; teams
  left over are reported, to be placed by hand.
- A join link is shown once, when it is made: only its hash is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from server.access import Principal, link_name
from server.domain.state import RunState
from server.errors import BadRequest, NotFound
from server.messages import AccessRole, SetupChanged
from server.service.context import Context, require_event
from server.service.csv_import import parse_teams_csv
from server.store import crud
from server.store.models import EventRow, RoomRow, TeamRow

PairBy = Literal["tags", "stage", "both"]


@dataclass(frozen=True, slots=True)
class Link:
    role: AccessRole
    label: str
    url: str
    room_id: str | None = None
    team_id: str | None = None


def match_score(a: TeamRow, b: TeamRow, by: PairBy) -> int:
    shared_tags = len({t.lower() for t in a.tags} & {t.lower() for t in b.tags})
    same_stage = int(bool(a.stage) and a.stage.lower() == b.stage.lower())
    if by == "tags":
        return shared_tags * 10 + same_stage
    if by == "stage":
        return same_stage * 10 + shared_tags
    return shared_tags + same_stage


def pair_teams(
    teams: Sequence[TeamRow], by: PairBy
) -> tuple[list[tuple[TeamRow, TeamRow]], list[TeamRow]]:
    """Greedy best-first pairing; ties keep the teams' order. Returns pairs and leftovers."""
    order = {team.id: index for index, team in enumerate(teams)}
    candidates = sorted(
        combinations(teams, 2),
        key=lambda pair: (-match_score(pair[0], pair[1], by), order[pair[0].id], order[pair[1].id]),
    )
    paired: set[str] = set()
    pairs: list[tuple[TeamRow, TeamRow]] = []
    for a, b in candidates:
        if a.id in paired or b.id in paired:
            continue
        pairs.append((a, b))
        paired.update((a.id, b.id))
    return pairs, [team for team in teams if team.id not in paired]


class EventSetup:
    def __init__(self, context: Context) -> None:
        self.context = context

    async def _changed(self, event_id: str) -> None:
        """Tell open pages that teams, rooms or moderators changed."""
        await self.context.hub.publish(event_id, SetupChanged().model_dump_json())

    def link_url(self, token: str) -> str:
        return f"{self.context.settings.base_url}/j/{token}"

    async def create_event(
        self,
        *,
        title: str,
        protocol_id: str,
        scheduled_start: float,
        main_room_at: float,
        uber_label: str = "Uber moderator",
    ) -> tuple[EventRow, Link]:
        if protocol_id not in self.context.protocols:
            known = ", ".join(protocol.id for protocol in self.context.protocols)
            raise BadRequest(
                f"unknown protocol {protocol_id!r}; expected one of: {known}", field="protocol_id"
            )
        if main_room_at <= scheduled_start:
            raise BadRequest("main_room_at must be after scheduled_start", field="main_room_at")
        now = self.context.clock.now()
        async with self.context.sessions() as session, session.begin():
            event = await crud.create_event(
                session,
                title=title,
                protocol_id=protocol_id,
                scheduled_start=scheduled_start,
                main_room_at=main_room_at,
                now=now,
            )
            token = await crud.create_token(
                session, event_id=event.id, role="uber", label=uber_label, now=now
            )
            await crud.append_log(
                session,
                event_id=event.id,
                room_id=None,
                actor="admin",
                action="event.create",
                at=now,
            )
        return event, Link("uber", uber_label, self.link_url(token))

    async def add_team(
        self,
        principal: Principal,
        *,
        name: str,
        organisation: str = "",
        members: Sequence[str] = (),
        challenge: str = "",
        request: str = "",
        stage: str = "",
        tags: Sequence[str] = (),
    ) -> TeamRow:
        principal.require_uber("add teams")
        async with self.context.sessions() as session, session.begin():
            team = await crud.add_team(
                session,
                event_id=principal.event_id,
                name=name,
                organisation=organisation,
                members=members,
                challenge=challenge,
                request=request,
                stage=stage,
                tags=tags,
            )
        await self._changed(principal.event_id)
        return team

    async def import_teams(self, principal: Principal, *, csv_text: str) -> list[TeamRow]:
        """Add every team of a CSV file, or none if any row is wrong."""
        principal.require_uber("import teams")
        records = parse_teams_csv(csv_text)
        async with self.context.sessions() as session, session.begin():
            teams = [
                await crud.add_team(session, event_id=principal.event_id, **asdict(record))
                for record in records
            ]
        await self._changed(principal.event_id)
        return teams

    async def create_room(
        self,
        principal: Principal,
        *,
        team_ids: Sequence[str],
        label: str | None = None,
        video_room: str = "",
        moderator_name: str = "",
    ) -> RoomRow:
        principal.require_uber("create rooms")
        async with self.context.sessions() as session, session.begin():
            room = await self._create_room(
                session,
                principal.event_id,
                team_ids=team_ids,
                label=label,
                video_room=video_room,
                moderator_name=moderator_name,
            )
        await self._changed(principal.event_id)
        return room

    async def _create_room(
        self,
        session: AsyncSession,
        event_id: str,
        *,
        team_ids: Sequence[str],
        label: str | None,
        video_room: str,
        moderator_name: str,
    ) -> RoomRow:
        event = await require_event(session, event_id)
        protocol = self.context.protocols.get(event.protocol_id)
        seats = protocol.room.seats
        if len(team_ids) != seats:
            raise BadRequest(
                f"a {protocol.title} room takes {seats} team(s) in seat order, got {len(team_ids)}",
                field="team_ids",
            )
        if len(set(team_ids)) != len(team_ids):
            raise BadRequest("a team can only take one seat in a room", field="team_ids")
        existing = await crud.list_rooms(session, event_id=event_id)
        seated = {team_id: room.label for room in existing for team_id in room.team_ids}
        for index, team_id in enumerate(team_ids):
            team = await crud.get_team(session, team_id=team_id)
            if team is None or team.event_id != event_id:
                raise BadRequest(
                    f"no team with id {team_id!r} in this event", field=f"team_ids[{index}]"
                )
            if team_id in seated:
                raise BadRequest(
                    f"{team.name} is already in {seated[team_id]}", field=f"team_ids[{index}]"
                )
        position = len(existing) + 1
        return await crud.create_room(
            session,
            event_id=event_id,
            label=label or f"Room {position}",
            team_ids=team_ids,
            state=RunState(protocol.id),
            position=position,
            video_room=video_room,
            moderator_name=moderator_name,
        )

    async def auto_pair(
        self, principal: Principal, *, by: PairBy
    ) -> tuple[list[RoomRow], list[TeamRow]]:
        """Pair every team not yet in a room; returns the new rooms and the teams left over."""
        principal.require_uber("pair teams")
        async with self.context.sessions() as session, session.begin():
            event = await require_event(session, principal.event_id)
            protocol = self.context.protocols.get(event.protocol_id)
            if protocol.room.seats != 2:
                raise BadRequest(
                    f"automatic pairing makes rooms of two teams; {protocol.title} rooms take "
                    f"{protocol.room.seats}: create its rooms by hand",
                    field="by",
                )
            seated = {
                team_id
                for room in await crud.list_rooms(session, event_id=principal.event_id)
                for team_id in room.team_ids
            }
            free = [
                team
                for team in await crud.list_teams(session, event_id=principal.event_id)
                if team.id not in seated
            ]
            pairs, leftovers = pair_teams(free, by)
            rooms = []
            for a, b in pairs:
                rooms.append(
                    await self._create_room(
                        session,
                        principal.event_id,
                        team_ids=[a.id, b.id],
                        label=None,
                        video_room="",
                        moderator_name="",
                    )
                )
        await self._changed(principal.event_id)
        return rooms, leftovers

    async def create_link(
        self,
        principal: Principal,
        *,
        role: AccessRole,
        room_id: str | None = None,
        team_id: str | None = None,
        label: str = "",
    ) -> Link:
        principal.require_uber("make join links")
        now = self.context.clock.now()
        async with self.context.sessions() as session, session.begin():
            if role == "uber":
                if room_id or team_id:
                    raise BadRequest(
                        "an uber moderator link covers the whole event: no room or team"
                    )
            else:
                if room_id is None:
                    raise BadRequest(f"{link_name(role)} needs a room_id", field="room_id")
                room = await crud.get_room(session, room_id=room_id)
                if room is None or room.event_id != principal.event_id:
                    raise NotFound(f"no room with id {room_id!r} in this event")
                if role == "member":
                    if team_id is None or team_id not in room.team_ids:
                        raise BadRequest(
                            "a member link needs the team_id of a team in that room",
                            field="team_id",
                        )
                elif team_id is not None:
                    raise BadRequest(f"{link_name(role)} takes no team_id", field="team_id")
                if role == "moderator" and label:
                    room.moderator_name = label
                    session.add(room)
            token = await crud.create_token(
                session,
                event_id=principal.event_id,
                role=role,
                room_id=room_id,
                team_id=team_id,
                label=label,
                now=now,
            )
        if role == "moderator" and label:
            await self._changed(principal.event_id)
        return Link(role, label, self.link_url(token), room_id, team_id)
