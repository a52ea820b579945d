"""Seeding a benchmark database directly through the store (one transaction),
because making thousands of rooms and links over REST would dominate the run.

Every room is a two-team consultancy room with one moderator, two member and
one observer link; links can be shared by several load clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from server.domain.state import RunState
from server.store import crud
from server.store.db import open_database, session_factory


@dataclass
class SeededRoom:
    id: str
    moderator: str
    members: list[str]
    observer: str


@dataclass
class Seeded:
    event_id: str
    uber: str
    rooms: list[SeededRoom] = field(default_factory=list)


async def seed(database: Path | str, *, rooms: int, now: float) -> Seeded:
    """``database``: a SQLite file, or a database URL (PostgreSQL for scaled-out runs)."""
    url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
    engine = await open_database(url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            event = await crud.create_event(
                session,
                title="Benchmark event",
                protocol_id="t4tla-consultancy",
                scheduled_start=now,
                main_room_at=now + 90 * 60,
                now=now,
            )
            uber = await crud.create_token(
                session, event_id=event.id, role="uber", label="Bench uber", now=now
            )
            result = Seeded(event.id, uber)
            for index in range(rooms):
                teams = await crud.add_teams(
                    session,
                    event_id=event.id,
                    teams=[
                        {
                            "name": f"Team {index}{side}",
                            "challenge": "c" * 200,
                            "request": "r" * 100,
                        }
                        for side in "AB"
                    ],
                )
                room = await crud.create_room(
                    session,
                    event_id=event.id,
                    label=f"Room {index + 1}",
                    team_ids=[team.id for team in teams],
                    state=RunState("t4tla-consultancy"),
                    position=index + 1,
                )
                moderator = await crud.create_token(
                    session,
                    event_id=event.id,
                    role="moderator",
                    room_id=room.id,
                    label=f"Mod {index}",
                    now=now,
                )
                members = [
                    await crud.create_token(
                        session,
                        event_id=event.id,
                        role="member",
                        room_id=room.id,
                        team_id=team.id,
                        label=team.name,
                        now=now,
                    )
                    for team in teams
                ]
                observer = await crud.create_token(
                    session,
                    event_id=event.id,
                    role="observer",
                    room_id=room.id,
                    label="Obs",
                    now=now,
                )
                result.rooms.append(SeededRoom(room.id, moderator, members, observer))
        return result
    finally:
        await engine.dispose()
