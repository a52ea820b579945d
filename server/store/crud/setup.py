"""Teams, rooms and seats: what an event's setup is made of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import Room, Team
from server.domain.state import RunState
from server.store.codec import state_to_json
from server.store.crud.rows import ROOM, SEAT, TEAM, team_from_row
from server.store.models import new_id


async def add_teams(
    session: AsyncSession, *, event_id: str, teams: Sequence[Mapping[str, Any]]
) -> list[Team]:
    """Insert teams (each with ``TeamFields``' keys) in one statement."""
    values = [
        {
            "id": new_id(),
            "event_id": event_id,
            "name": team["name"],
            "organisation": team.get("organisation", ""),
            "members": list(team.get("members", ())),
            "challenge": team.get("challenge", ""),
            "request": team.get("request", ""),
            "stage": team.get("stage", ""),
            "state": team.get("state", ""),
            "tags": list(team.get("tags", ())),
            "emails": [str(email) for email in team.get("emails", ())],
        }
        for team in teams
    ]
    if values:
        await session.execute(insert(TEAM), values)
    return [team_from_row(value) for value in values]


async def list_teams(session: AsyncSession, *, event_id: str) -> list[Team]:
    query = select(TEAM).where(TEAM.c.event_id == event_id).order_by(TEAM.c.name, TEAM.c.id)
    return [team_from_row(row) for row in (await session.execute(query)).mappings()]


async def get_teams(session: AsyncSession, *, team_ids: Sequence[str]) -> list[Team]:
    if not team_ids:
        return []
    query = select(TEAM).where(TEAM.c.id.in_(team_ids))
    return [team_from_row(row) for row in (await session.execute(query)).mappings()]


async def create_room(
    session: AsyncSession,
    *,
    event_id: str,
    label: str,
    team_ids: Sequence[str],
    state: RunState,
    position: int,
    video_room: str = "",
    moderator_name: str = "",
    video_url: str = "",
    fixed_roles: Sequence[str] = (),
) -> Room:
    """A new room with its teams seated in order (a team already seated is refused by
    the seat table's unique constraint: an ``IntegrityError``)."""
    room = Room(
        id=new_id(),
        event_id=event_id,
        position=position,
        label=label,
        video_room=video_room,
        moderator_name=moderator_name,
        team_ids=tuple(team_ids),
        video_url=video_url,
        fixed_roles=tuple(fixed_roles) + ("",) * (len(team_ids) - len(fixed_roles)),
    )
    await session.execute(
        insert(ROOM).values(
            id=room.id,
            event_id=event_id,
            position=position,
            label=label,
            video_room=video_room,
            moderator_name=moderator_name,
            video_url=video_url,
            state_json=state_to_json(state),
            version=state.version,
            next_due=None,
        )
    )
    if team_ids:
        await session.execute(
            insert(SEAT),
            [
                {"room_id": room.id, "position": index, "team_id": team_id, "role": role or None}
                for index, (team_id, role) in enumerate(
                    zip(team_ids, room.fixed_roles, strict=True)
                )
            ],
        )
    return room


async def seated_team_ids(session: AsyncSession, *, event_id: str) -> dict[str, str]:
    """Team id -> the label of the room it sits in, for the event's seated teams."""
    query = (
        select(SEAT.c.team_id, ROOM.c.label)
        .join(ROOM, ROOM.c.id == SEAT.c.room_id)
        .where(ROOM.c.event_id == event_id)
    )
    return {str(team_id): str(label) for team_id, label in (await session.execute(query)).all()}


async def last_room_position(session: AsyncSession, *, event_id: str) -> int:
    """The highest position of the event's rooms (0 if none): a new room goes after it,
    so its default label never repeats one left by a deleted room."""
    query = select(func.max(ROOM.c.position)).where(ROOM.c.event_id == event_id)
    return int((await session.execute(query)).scalar() or 0)


async def set_moderator_name(session: AsyncSession, *, room_id: str, name: str) -> None:
    await session.execute(update(ROOM).where(ROOM.c.id == room_id).values(moderator_name=name))
