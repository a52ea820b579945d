"""Keyword-only persistence functions (after the FastAPI full-stack template's crud.py).

Rules:
- Functions take an open session and keyword arguments only, so calls read
  like prose and cannot be mis-ordered; they flush but never commit: the
  caller owns the transaction.
- What they read comes back as domain records (``server.domain.records``)
  and run states, never as table rows, so nothing above the store holds a row.
- Stored state changes only through the compare-and-set writes
  (``write_rooms``, ``write_event``, ``write_help``): each writes only if the
  stored version is still the one the change was decided on, and says
  whether it did. Inserts of new things are the only other writes.
- Access tokens are random (256 bits) and stored only as their SHA-256 hash;
  the raw token exists once, in the value returned to whoever created it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Row, Text, bindparam, cast, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import Anchor
from server.domain.event import Change, EventState, EventStatus
from server.domain.help import HelpState, HelpStatus
from server.domain.records import AccessGrant, Event, HelpRequest, Room, Team
from server.domain.state import RunState
from server.store.codec import state_from_json, state_to_json
from server.store.models import (
    AccessTokenRow,
    ClockAnchorRow,
    CommandLogRow,
    EventRow,
    HelpRequestRow,
    RoomRow,
    SeatRow,
    TeamRow,
    new_id,
)

TOKEN_BYTES = 32

EVENT = EventRow.__table__  # type: ignore[attr-defined]
TEAM = TeamRow.__table__  # type: ignore[attr-defined]
ROOM = RoomRow.__table__  # type: ignore[attr-defined]
SEAT = SeatRow.__table__  # type: ignore[attr-defined]
TOKEN = AccessTokenRow.__table__  # type: ignore[attr-defined]
LOG = CommandLogRow.__table__  # type: ignore[attr-defined]
HELP = HelpRequestRow.__table__  # type: ignore[attr-defined]
ANCHOR = ClockAnchorRow.__table__  # type: ignore[attr-defined]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- rows to records --------------------------------------------------------------------


def _event(row: Row[Any] | Mapping[Any, Any]) -> Event:
    values = row._mapping if isinstance(row, Row) else row
    last = None
    if values["last_action"] and values["last_at"] is not None:
        last = Change(values["last_action"], values["last_by"], values["last_at"])
    return Event(
        id=values["id"],
        title=values["title"],
        protocol_id=values["protocol_id"],
        scheduled_start=values["scheduled_start"],
        main_room_at=values["main_room_at"],
        created_at=values["created_at"],
        setup_version=values["setup_version"],
        state=EventState(
            status=EventStatus(values["status"]),
            version=values["version"],
            recall_deadline=values["recall_deadline"],
            last_change=last,
        ),
    )


def _team(values: Mapping[Any, Any]) -> Team:
    return Team(
        id=values["id"],
        event_id=values["event_id"],
        name=values["name"],
        organisation=values["organisation"],
        members=tuple(values["members"]),
        challenge=values["challenge"],
        request=values["request"],
        stage=values["stage"],
        tags=tuple(values["tags"]),
    )


def _help(values: Mapping[Any, Any]) -> HelpRequest:
    return HelpRequest(
        id=values["id"],
        event_id=values["event_id"],
        room_id=values["room_id"],
        round_index=values["round_index"],
        phase_id=values["phase_id"],
        role=values["role"],
        requested_by=values["requested_by"],
        message=values["message"],
        created_at=values["created_at"],
        state=HelpState(
            status=HelpStatus(values["status"]),
            version=values["version"],
            claimed_by=values["claimed_by"],
            resolved_by=values["resolved_by"],
            updated_at=values["updated_at"],
        ),
    )


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


_EVENT_PREFIX = "event__"
_EVENT_COLUMNS = tuple(column.label(f"{_EVENT_PREFIX}{column.name}") for column in EVENT.c)


def _prefixed_event(row: Mapping[Any, Any]) -> Event:
    return _event(
        {
            key.removeprefix(_EVENT_PREFIX): value
            for key, value in row.items()
            if key.startswith(_EVENT_PREFIX)
        }
    )


async def load_states(
    session: AsyncSession, *, room_ids: Sequence[str]
) -> tuple[dict[str, Event], dict[str, tuple[str, RunState]]]:
    """The rooms' run states (by room id, with their event id) and their events: one
    statement."""
    if not room_ids:
        return {}, {}
    query = (
        select(ROOM.c.id, ROOM.c.event_id, ROOM.c.state_json, *_EVENT_COLUMNS)
        .join(EVENT, EVENT.c.id == ROOM.c.event_id)
        .where(ROOM.c.id.in_(room_ids))
        .order_by(ROOM.c.id)
    )
    events: dict[str, Event] = {}
    states: dict[str, tuple[str, RunState]] = {}
    for row in (await session.execute(query)).mappings():
        event_id = row["event_id"]
        if event_id not in events:
            events[event_id] = _prefixed_event(row)
        states[row["id"]] = (event_id, state_from_json(row["state_json"]))
    return events, states


async def load_event_states(
    session: AsyncSession, *, event_id: str
) -> tuple[Event | None, dict[str, RunState]]:
    """The event and every room's run state (by room id, in id order): one statement."""
    query = (
        select(*_EVENT_COLUMNS, ROOM.c.id, ROOM.c.state_json)
        .select_from(EVENT)
        .outerjoin(ROOM, ROOM.c.event_id == EVENT.c.id)
        .where(EVENT.c.id == event_id)
        .order_by(ROOM.c.id)
    )
    rows = (await session.execute(query)).mappings().all()
    if not rows:
        return None, {}
    states = {row["id"]: state_from_json(row["state_json"]) for row in rows if row["id"]}
    return _prefixed_event(rows[0]), states


async def load_setup(session: AsyncSession, *, event_id: str, version: int) -> Setup:
    """The event's rooms with their seats, and its teams: three statements."""
    query = select(
        ROOM.c.id,
        ROOM.c.position,
        ROOM.c.label,
        ROOM.c.video_room,
        ROOM.c.moderator_name,
    ).where(ROOM.c.event_id == event_id)
    room_rows = (await session.execute(query)).all()
    seat_query = (
        select(SEAT.c.room_id, SEAT.c.position, SEAT.c.team_id)
        .join(ROOM, ROOM.c.id == SEAT.c.room_id)
        .where(ROOM.c.event_id == event_id)
        .order_by(SEAT.c.room_id, SEAT.c.position)
    )
    seats: dict[str, list[str]] = {}
    for room_id, position, team_id in (await session.execute(seat_query)).all():
        held = seats.setdefault(room_id, [])
        held += [""] * (position - len(held))  # an empty seat keeps the others in place
        held.append(team_id)
    rooms = {
        room_id: Room(
            id=room_id,
            event_id=event_id,
            position=position,
            label=label,
            video_room=video_room,
            moderator_name=moderator_name,
            team_ids=tuple(seats.get(room_id, ())),
        )
        for room_id, position, label, video_room, moderator_name in room_rows
    }
    teams = {team.id: team for team in await list_teams(session, event_id=event_id)}
    return Setup(version, rooms, teams)


async def bump_setup_version(session: AsyncSession, *, event_id: str) -> None:
    """A change of teams, rooms, seats or links: every cached setup of the event is stale."""
    await session.execute(
        update(EVENT).where(EVENT.c.id == event_id).values(setup_version=EVENT.c.setup_version + 1)
    )


# -- events -------------------------------------------------------------------------------


async def create_event(
    session: AsyncSession,
    *,
    title: str,
    protocol_id: str,
    scheduled_start: float,
    main_room_at: float,
    now: float,
) -> Event:
    values = {
        "id": new_id(),
        "title": title,
        "protocol_id": protocol_id,
        "scheduled_start": scheduled_start,
        "main_room_at": main_room_at,
        "status": EventStatus.SETUP,
        "version": 0,
        "recall_deadline": None,
        "last_action": "",
        "last_by": "",
        "last_at": None,
        "setup_version": 0,
        "created_at": now,
    }
    await session.execute(insert(EVENT).values(**values))
    return _event(values)


async def get_event(session: AsyncSession, *, event_id: str) -> Event | None:
    row = (await session.execute(select(EVENT).where(EVENT.c.id == event_id))).first()
    return None if row is None else _event(row)


async def write_event(
    session: AsyncSession, *, event_id: str, expected_version: int, state: EventState
) -> bool:
    """Compare-and-set: store ``state`` only if the event is still at ``expected_version``."""
    change = state.last_change
    result = await session.execute(
        update(EVENT)
        .where(EVENT.c.id == event_id, EVENT.c.version == expected_version)
        .values(
            status=state.status,
            version=state.version,
            recall_deadline=state.recall_deadline,
            last_action=change.action if change else "",
            last_by=change.by if change else "",
            last_at=change.at if change else None,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def events_recalling(session: AsyncSession) -> list[tuple[str, float]]:
    query = select(EVENT.c.id, EVENT.c.recall_deadline).where(
        EVENT.c.status == EventStatus.RECALLING
    )
    return [
        (event_id, deadline)
        for event_id, deadline in (await session.execute(query)).all()
        if deadline is not None
    ]


# -- teams -----------------------------------------------------------------------------------


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
            "tags": list(team.get("tags", ())),
        }
        for team in teams
    ]
    if values:
        await session.execute(insert(TEAM), values)
    return [_team(value) for value in values]


async def list_teams(session: AsyncSession, *, event_id: str) -> list[Team]:
    query = select(TEAM).where(TEAM.c.event_id == event_id).order_by(TEAM.c.name, TEAM.c.id)
    return [_team(row) for row in (await session.execute(query)).mappings()]


async def get_teams(session: AsyncSession, *, team_ids: Sequence[str]) -> list[Team]:
    if not team_ids:
        return []
    query = select(TEAM).where(TEAM.c.id.in_(team_ids))
    return [_team(row) for row in (await session.execute(query)).mappings()]


# -- rooms ---------------------------------------------------------------------------------


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
    )
    await session.execute(
        insert(ROOM).values(
            id=room.id,
            event_id=event_id,
            position=position,
            label=label,
            video_room=video_room,
            moderator_name=moderator_name,
            state_json=state_to_json(state),
            version=state.version,
            next_due=None,
        )
    )
    if team_ids:
        await session.execute(
            insert(SEAT),
            [
                {"room_id": room.id, "position": index, "team_id": team_id}
                for index, team_id in enumerate(team_ids)
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


async def room_count(session: AsyncSession, *, event_id: str) -> int:
    query = select(ROOM.c.id).where(ROOM.c.event_id == event_id)
    return len((await session.execute(query)).all())


async def set_moderator_name(session: AsyncSession, *, room_id: str, name: str) -> None:
    await session.execute(update(ROOM).where(ROOM.c.id == room_id).values(moderator_name=name))


async def rooms_with_deadlines(session: AsyncSession) -> list[tuple[str, float]]:
    query = select(ROOM.c.id, ROOM.c.next_due).where(ROOM.c.next_due.is_not(None))
    return [
        (room_id, due) for room_id, due in (await session.execute(query)).all() if due is not None
    ]


@dataclass(frozen=True, slots=True)
class StateWrite:
    room_id: str
    expected_version: int
    state: RunState
    next_due: float | None


async def write_rooms(session: AsyncSession, *, writes: Sequence[StateWrite]) -> set[str]:
    """Compare-and-set many rooms, in the order given; returns the ids whose write went through.

    One ``executemany`` where the driver reports how many rows it changed
    (SQLite does); one statement per room otherwise.
    """
    if not writes:
        return set()
    encoded = {write.room_id: state_to_json(write.state) for write in writes}
    statement = (
        update(ROOM)
        .where(ROOM.c.id == bindparam("b_id"), ROOM.c.version == bindparam("b_old"))
        .values(
            state_json=bindparam("b_state"), version=bindparam("b_new"), next_due=bindparam("b_due")
        )
    )
    params = [
        {
            "b_id": write.room_id,
            "b_old": write.expected_version,
            "b_state": encoded[write.room_id],
            "b_new": write.state.version,
            "b_due": write.next_due,
        }
        for write in writes
    ]
    dialect = session.bind.dialect if session.bind is not None else None
    if len(writes) == 1 or dialect is None or not dialect.supports_sane_multi_rowcount:
        written: set[str] = set()
        for write, values in zip(writes, params, strict=True):
            result = await session.execute(statement, values)
            if result.rowcount == 1:  # type: ignore[attr-defined]
                written.add(write.room_id)
        return written
    result = await session.execute(statement, params)
    if result.rowcount == len(writes):  # type: ignore[attr-defined]
        return set(encoded)
    # Some lost a race: the rooms now holding exactly our state are ours.
    query = select(ROOM.c.id, ROOM.c.state_json).where(ROOM.c.id.in_(list(encoded)))
    return {
        str(room_id)
        for room_id, text in (await session.execute(query)).all()
        if encoded[room_id] == text
    }


# -- the command log ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogEntry:
    event_id: str
    room_id: str | None
    actor: str
    action: str
    at: float
    version_before: int | None = None
    version_after: int | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


async def append_logs(session: AsyncSession, *, entries: Iterable[LogEntry]) -> None:
    """Append log rows in one statement. Details are encoded once per distinct detail
    object: the rooms of an event-wide change share theirs."""
    encoded: dict[int, str] = {}
    rows = []
    for entry in entries:
        key = id(entry.detail)
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(entry.detail, separators=(",", ":"))
        rows.append(
            {
                "event_id": entry.event_id,
                "room_id": entry.room_id,
                "actor": entry.actor,
                "action": entry.action,
                "at": entry.at,
                "version_before": entry.version_before,
                "version_after": entry.version_after,
                "detail": text,
            }
        )
    if rows:
        # The detail arrives as JSON text: bound as text and stored in the JSON column as it
        # is (SQLite keeps JSON as text; PostgreSQL is told to read the text as json).
        detail: Any = bindparam("detail", type_=Text)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            detail = cast(detail, JSON)
        await session.execute(insert(LOG).values(detail=detail), rows)


async def read_log(
    session: AsyncSession, *, event_id: str, room_id: str | None = None
) -> list[LogEntry]:
    query = select(LOG).where(LOG.c.event_id == event_id)
    if room_id is not None:
        query = query.where(LOG.c.room_id == room_id)
    return [
        LogEntry(
            event_id=row["event_id"],
            room_id=row["room_id"],
            actor=row["actor"],
            action=row["action"],
            at=row["at"],
            version_before=row["version_before"],
            version_after=row["version_after"],
            detail=row["detail"],
        )
        for row in (await session.execute(query.order_by(LOG.c.id))).mappings()
    ]


# -- access tokens -----------------------------------------------------------------------


async def create_token(
    session: AsyncSession,
    *,
    event_id: str,
    role: str,
    now: float,
    room_id: str | None = None,
    team_id: str | None = None,
    label: str = "",
) -> str:
    """Make a join token and return it raw; only its hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await session.execute(
        insert(TOKEN).values(
            token_hash=hash_token(token),
            event_id=event_id,
            role=role,
            room_id=room_id,
            team_id=team_id,
            label=label,
            created_at=now,
        )
    )
    return token


def _grant(values: Mapping[Any, Any]) -> AccessGrant:
    return AccessGrant(
        token_hash=values["token_hash"],
        event_id=values["event_id"],
        role=str(values["role"]),
        room_id=values["room_id"],
        team_id=values["team_id"],
        label=values["label"],
    )


async def all_grants(session: AsyncSession) -> list[AccessGrant]:
    return [_grant(row) for row in (await session.execute(select(TOKEN))).mappings()]


async def resolve_token(session: AsyncSession, *, token: str) -> AccessGrant | None:
    query = select(TOKEN).where(TOKEN.c.token_hash == hash_token(token))
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _grant(row)


# -- help requests ---------------------------------------------------------------------------


async def create_help_request(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str,
    round_index: int,
    phase_id: str,
    role: str,
    requested_by: str,
    message: str,
    now: float,
) -> HelpRequest:
    values = {
        "id": new_id(),
        "event_id": event_id,
        "room_id": room_id,
        "round_index": round_index,
        "phase_id": phase_id,
        "role": role,
        "requested_by": requested_by,
        "message": message,
        "status": HelpStatus.OPEN,
        "version": 0,
        "claimed_by": "",
        "resolved_by": "",
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert(HELP).values(**values))
    return _help(values)


async def get_help_request(session: AsyncSession, *, help_id: str) -> HelpRequest | None:
    row = (await session.execute(select(HELP).where(HELP.c.id == help_id))).mappings().first()
    return None if row is None else _help(row)


async def write_help(
    session: AsyncSession, *, help_id: str, expected_version: int, state: HelpState
) -> bool:
    """Compare-and-set: store ``state`` only if the request is still at ``expected_version``."""
    result = await session.execute(
        update(HELP)
        .where(HELP.c.id == help_id, HELP.c.version == expected_version)
        .values(
            status=state.status,
            version=state.version,
            claimed_by=state.claimed_by,
            resolved_by=state.resolved_by,
            updated_at=state.updated_at,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def list_help_requests(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str | None = None,
    include_resolved: bool = False,
) -> list[HelpRequest]:
    query = select(HELP).where(HELP.c.event_id == event_id)
    if room_id is not None:
        query = query.where(HELP.c.room_id == room_id)
    if not include_resolved:
        query = query.where(HELP.c.status != HelpStatus.RESOLVED)
    query = query.order_by(HELP.c.created_at, HELP.c.id)
    return [_help(row) for row in (await session.execute(query)).mappings()]


# -- the rehearsal clock's anchor ----------------------------------------------------------------


async def get_clock_anchor(session: AsyncSession) -> Anchor | None:
    row = (await session.execute(select(ANCHOR).where(ANCHOR.c.id == 1))).mappings().first()
    return None if row is None else Anchor(row["real_at"], row["protocol_at"], row["speed"])


async def put_clock_anchor(
    session: AsyncSession, *, anchor: Anchor, replacing: Anchor | None
) -> bool:
    """Store ``anchor`` if the stored one is still ``replacing`` (compare-and-set; an
    insert when there was none). False if another process got there first."""
    values = {"real_at": anchor.real_at, "protocol_at": anchor.protocol_at, "speed": anchor.speed}
    if replacing is None:
        try:
            async with session.begin_nested():
                await session.execute(insert(ANCHOR).values(id=1, **values))
        except IntegrityError:
            return False
        return True
    result = await session.execute(
        update(ANCHOR)
        .where(
            ANCHOR.c.id == 1,
            ANCHOR.c.real_at == replacing.real_at,
            ANCHOR.c.protocol_at == replacing.protocol_at,
            ANCHOR.c.speed == replacing.speed,
        )
        .values(**values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def delete_clock_anchor(session: AsyncSession) -> None:
    await session.execute(delete(ANCHOR))
