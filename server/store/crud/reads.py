"""What a change reads in one go: run states with their events, and an event's setup.

Rules: each load is one statement (the setup: three), so a change's read is
one round trip whatever it touches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import Event, Room, Team
from server.domain.state import RunState
from server.store.codec import state_from_json
from server.store.crud.rows import EVENT, EVENT_COLUMNS, ROOM, SEAT, event_from_prefixed_row
from server.store.crud.setup import list_teams


@dataclass(frozen=True, slots=True)
class StoredRoom:
    room: Room
    state: RunState


@dataclass
class Loaded:
    """What a change reads: rooms' run states with their events, and the setup (room
    records and seated teams) as of each event's setup version."""

    events: dict[str, Event] = field(default_factory=dict)
    rooms: list[StoredRoom] = field(default_factory=list)
    teams: dict[str, Team] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Setup:
    """An event's rooms (with their seats) and teams, as of ``version``."""

    version: int
    rooms: Mapping[str, Room]
    teams: Mapping[str, Team]


async def load_states(
    session: AsyncSession, *, room_ids: Sequence[str]
) -> tuple[dict[str, Event], dict[str, tuple[str, RunState]]]:
    """The rooms' run states (by room id, with their event id) and their events: one
    statement."""
    if not room_ids:
        return {}, {}
    query = (
        select(ROOM.c.id, ROOM.c.event_id, ROOM.c.state_json, *EVENT_COLUMNS)
        .join(EVENT, EVENT.c.id == ROOM.c.event_id)
        .where(ROOM.c.id.in_(room_ids))
        .order_by(ROOM.c.id)
    )
    events: dict[str, Event] = {}
    states: dict[str, tuple[str, RunState]] = {}
    for row in (await session.execute(query)).mappings():
        event_id = row["event_id"]
        if event_id not in events:
            events[event_id] = event_from_prefixed_row(row)
        states[row["id"]] = (event_id, state_from_json(row["state_json"]))
    return events, states


async def load_event_states(
    session: AsyncSession, *, event_id: str
) -> tuple[Event | None, dict[str, RunState]]:
    """The event and every room's run state (by room id, in id order): one statement."""
    query = (
        select(*EVENT_COLUMNS, ROOM.c.id, ROOM.c.state_json)
        .select_from(EVENT)
        .outerjoin(ROOM, ROOM.c.event_id == EVENT.c.id)
        .where(EVENT.c.id == event_id)
        .order_by(ROOM.c.id)
    )
    rows = (await session.execute(query)).mappings().all()
    if not rows:
        return None, {}
    states = {row["id"]: state_from_json(row["state_json"]) for row in rows if row["id"]}
    return event_from_prefixed_row(rows[0]), states


async def load_setup(session: AsyncSession, *, event_id: str, version: int) -> Setup:
    """The event's rooms with their seats, and its teams: three statements."""
    query = select(
        ROOM.c.id,
        ROOM.c.position,
        ROOM.c.label,
        ROOM.c.video_room,
        ROOM.c.moderator_name,
        ROOM.c.video_url,
    ).where(ROOM.c.event_id == event_id)
    room_rows = (await session.execute(query)).all()
    seat_query = (
        select(SEAT.c.room_id, SEAT.c.position, SEAT.c.team_id, SEAT.c.role)
        .join(ROOM, ROOM.c.id == SEAT.c.room_id)
        .where(ROOM.c.event_id == event_id)
        .order_by(SEAT.c.room_id, SEAT.c.position)
    )
    seats: dict[str, list[str]] = {}
    roles: dict[str, list[str]] = {}
    for room_id, position, team_id, role in (await session.execute(seat_query)).all():
        held = seats.setdefault(room_id, [])
        fixed = roles.setdefault(room_id, [])
        gap = [""] * (position - len(held))  # an empty seat keeps the others in place
        held += gap
        fixed += gap
        held.append(team_id)
        fixed.append(role or "")
    rooms = {
        room_id: Room(
            id=room_id,
            event_id=event_id,
            position=position,
            label=label,
            video_room=video_room,
            moderator_name=moderator_name,
            team_ids=tuple(seats.get(room_id, ())),
            video_url=video_url,
            fixed_roles=tuple(roles.get(room_id, ())),
        )
        for room_id, position, label, video_room, moderator_name, video_url in room_rows
    }
    teams = {team.id: team for team in await list_teams(session, event_id=event_id)}
    return Setup(version, rooms, teams)


async def bump_setup_version(session: AsyncSession, *, event_id: str) -> None:
    """A change of teams, rooms, seats or links: every cached setup of the event is stale."""
    await session.execute(
        update(EVENT).where(EVENT.c.id == event_id).values(setup_version=EVENT.c.setup_version + 1)
    )
