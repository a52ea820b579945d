"""Schema migrations: an empty database and one written by the first release both reach
the newest schema, which is exactly the models'; nothing stored is lost on the way; a
second upgrade changes nothing; PostgreSQL is never upgraded behind an operator's back;
and a server started on an upgraded first-release file keeps running its rooms.

The first-release databases are checked-in fixtures (``fixtures/written_by_0_1.*``),
written before migrations existed. Each test upgrades its own copy.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import SQLModel

from server.access import Principal, principal_from_grant
from server.domain.records import Room, Team
from server.domain.state import RunState, Status
from server.store import crud
from server.store.codec import FORMAT, state_from_json, state_to_json
from server.store.db import create_engine, open_database, session_factory
from server.store.migrate import (
    BASELINE,
    SchemaBehind,
    alembic_config,
    current_revision,
    head,
    upgrade,
)
from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SQLITE_FIRST_RELEASE = FIXTURES / "written_by_0_1.sqlite"
POSTGRES_FIRST_RELEASE = FIXTURES / "written_by_0_1.sql"
FIRST_RELEASE = "first release (no alembic version)"
"""What ``current_revision`` says of a database written before migrations existed."""


# -- databases ------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_sql_dump(url: str, dump: Path) -> None:
    """Load a plain pg_dump into the database at ``url`` (its COPY blocks need psql)."""
    result = subprocess.run(
        ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", f"--dbname={url}", "-f", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"psql could not load {dump.name}: {result.stderr}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "empty.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def first_release_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A copy of a database written by the first release (the checked-in file is never
    opened for writing)."""
    if request.param == "sqlite":
        copy = tmp_path / "written_by_0_1.sqlite"
        shutil.copyfile(SQLITE_FIRST_RELEASE, copy)
        return sqlite_url(copy)
    url: str = request.getfixturevalue("postgres_url")
    load_sql_dump(url, POSTGRES_FIRST_RELEASE)
    return url


@pytest.fixture(params=["empty", "first_release"])
def behind_postgres_url(request: pytest.FixtureRequest) -> str:
    """A PostgreSQL database whose schema is not at head."""
    url: str = request.getfixturevalue("postgres_url")
    if request.param == "first_release":
        load_sql_dump(url, POSTGRES_FIRST_RELEASE)
    return url


@asynccontextmanager
async def engine_on(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


# -- the schema against the models ------------------------------------------------------


def _autogenerate_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences: list[Any] = compare_metadata(context, SQLModel.metadata)
    return differences


async def schema_differences(engine: AsyncEngine) -> list[Any]:
    """What alembic's autogenerate would change to make the database match the models."""
    async with engine.connect() as connection:
        return await connection.run_sync(_autogenerate_differences)


Constraints = dict[str, tuple[list[str], list[tuple[str | None, tuple[str, ...], str, Any]]]]
"""Table -> (check constraint names, foreign keys as (name, columns, table, ON DELETE))."""


def model_constraints() -> Constraints:
    return {
        name: (
            sorted(str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)),
            sorted(
                (str(fk.name), tuple(fk.column_keys), fk.referred_table.name, fk.ondelete)
                for fk in table.foreign_key_constraints
            ),
        )
        for name, table in SQLModel.metadata.tables.items()
    }


def _reflected_constraints(connection: Connection) -> Constraints:
    inspector = inspect(connection)
    return {
        name: (
            sorted(str(c["name"]) for c in inspector.get_check_constraints(name)),
            sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    fk.get("options", {}).get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
        )
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }


async def reflected_constraints(engine: AsyncEngine) -> Constraints:
    """What autogenerate does not compare: CHECK constraints and foreign keys' ON DELETE."""
    async with engine.connect() as connection:
        return await connection.run_sync(_reflected_constraints)


async def assert_schema_is_the_models(engine: AsyncEngine) -> None:
    assert await schema_differences(engine) == []
    assert await reflected_constraints(engine) == model_constraints()


# -- what the first release stored, read with plain SQL ---------------------------------------


def _json(value: Any) -> Any:
    """A JSON column read through ``text()``: text on every driver, but be lenient."""
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class FirstReleaseRoom:
    event_id: str
    position: int
    label: str
    video_room: str
    moderator_name: str
    team_ids: tuple[str, ...]
    state_json: str
    version: int
    next_due: float | None

    @property
    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_json)
        return data


@dataclass(frozen=True)
class Stored:
    """Every row of a database as the first release wrote it (or as its tables still
    hold it), keyed by id, in domain terms where the meaning is plain."""

    events: dict[str, dict[str, Any]]
    teams: dict[str, Team]
    rooms: dict[str, FirstReleaseRoom]
    tokens: set[tuple[str, str, str, str | None, str | None, str]]
    help: dict[str, dict[str, Any]]
    log: list[crud.LogEntry]

    def rooms_of(self, event_id: str) -> dict[str, FirstReleaseRoom]:
        return {id_: room for id_, room in self.rooms.items() if room.event_id == event_id}

    def teams_of(self, event_id: str) -> dict[str, Team]:
        return {id_: team for id_, team in self.teams.items() if team.event_id == event_id}


async def _rows(engine: AsyncEngine, query: str, **params: Any) -> list[Mapping[Any, Any]]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(query), params)).mappings().all())


async def read_first_release(engine: AsyncEngine) -> Stored:
    """The first release's tables read with plain SQL (``room.team_ids`` included)."""
    events = {
        row["id"]: {
            "title": row["title"],
            "protocol_id": row["protocol_id"],
            "scheduled_start": row["scheduled_start"],
            "main_room_at": row["main_room_at"],
            "status": row["status"],
            "recall_deadline": row["recall_deadline"],
            "created_at": row["created_at"],
        }
        for row in await _rows(engine, "SELECT * FROM event")
    }
    teams = {
        row["id"]: Team(
            id=row["id"],
            event_id=row["event_id"],
            name=row["name"],
            organisation=row["organisation"],
            members=tuple(_json(row["members"])),
            challenge=row["challenge"],
            request=row["request"],
            stage=row["stage"],
            tags=tuple(_json(row["tags"])),
        )
        for row in await _rows(engine, "SELECT * FROM team")
    }
    rooms = {
        row["id"]: FirstReleaseRoom(
            event_id=row["event_id"],
            position=row["position"],
            label=row["label"],
            video_room=row["video_room"],
            moderator_name=row["moderator_name"],
            team_ids=tuple(_json(row["team_ids"])),
            state_json=row["state_json"],
            version=row["version"],
            next_due=row["next_due"],
        )
        for row in await _rows(engine, "SELECT * FROM room")
    }
    tokens = {
        (
            row["token_hash"],
            row["event_id"],
            row["role"],
            row["room_id"],
            row["team_id"],
            row["label"],
        )
        for row in await _rows(engine, "SELECT * FROM access_token")
    }
    help_requests = {
        row["id"]: {key: value for key, value in row.items() if key != "id"}
        for row in await _rows(engine, "SELECT * FROM help_request")
    }
    log = [
        crud.LogEntry(
            event_id=row["event_id"],
            room_id=row["room_id"],
            actor=row["actor"],
            action=row["action"],
            at=row["at"],
            version_before=row["version_before"],
            version_after=row["version_after"],
            detail=_json(row["detail"]),
        )
        for row in await _rows(engine, "SELECT * FROM command_log ORDER BY id")
    ]
    return Stored(events, teams, rooms, tokens, help_requests, log)


def assert_is_the_first_release_fixture(stored: Stored) -> None:
    """The fixture holds what the checks below rely on, so they cannot pass vacuously."""
    assert sorted(event["status"] for event in stored.events.values()) == [
        "main_room",
        "running",
    ]
    assert len(stored.rooms) == 3
    assert {room.state["status"] for room in stored.rooms.values()} == {
        "running",
        "not_started",
        "recalled",
    }
    assert all("format" not in room.state for room in stored.rooms.values())
    assert any(room.state["planned"] for room in stored.rooms.values())  # a fitted room
    seated = {team_id for room in stored.rooms.values() for team_id in room.team_ids}
    unseated = [team for team in stored.teams.values() if team.id not in seated]
    assert len(unseated) == 1
    assert unseated[0].members
    assert unseated[0].tags
    assert {token[2] for token in stored.tokens} == {"uber", "moderator", "member", "observer"}
    assert sorted(request["status"] for request in stored.help.values()) == ["claimed", "open"]
    assert len(stored.log) >= 10


async def dump_every_table(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (alembic's version included), in a stable order."""

    def table_names(connection: Connection) -> list[str]:
        return sorted(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        names = await connection.run_sync(table_names)
        dump = {}
        for name in names:
            rows = (await connection.execute(text(f'SELECT * FROM "{name}"'))).all()
            dump[name] = sorted((tuple(row) for row in rows), key=repr)
        return dump


# -- 1. an empty database ---------------------------------------------------------------------


async def test_upgrading_an_empty_database_reaches_head_with_exactly_the_models_schema(
    empty_url: str,
) -> None:
    async with engine_on(empty_url) as engine:
        assert await current_revision(engine) is None

        assert await upgrade(engine) == (None, head())

        assert await current_revision(engine) == head()
        await assert_schema_is_the_models(engine)


# -- 2. a database written by the first release --------------------------------------------


async def test_upgrading_a_first_release_database_keeps_every_row_and_matches_the_models(
    first_release_url: str,
) -> None:
    async with engine_on(first_release_url) as engine:
        before = await read_first_release(engine)
        assert_is_the_first_release_fixture(before)
        assert await current_revision(engine) == FIRST_RELEASE

        assert await upgrade(engine) == (BASELINE, head())

        assert await current_revision(engine) == head()
        await assert_schema_is_the_models(engine)
        # Run states are not rewritten by the migration (the codec upgrades them on read).
        states_json = await _rows(engine, "SELECT id, state_json FROM room")
        assert {row["id"]: row["state_json"] for row in states_json} == {
            room_id: room.state_json for room_id, room in before.rooms.items()
        }
        # Seats: one row per entry of the old team list, in its order.
        seats = await _rows(engine, "SELECT room_id, position, team_id FROM seat")
        assert sorted((s["room_id"], s["position"], s["team_id"]) for s in seats) == sorted(
            (room_id, position, team_id)
            for room_id, room in before.rooms.items()
            for position, team_id in enumerate(room.team_ids)
        )

        sessions = session_factory(engine)
        async with sessions() as session:
            for event_id, stored_event in before.events.items():
                await _assert_event_kept(session, event_id, stored_event, before)
            grants = await crud.live_grants(session)
            due = await crud.rooms_with_deadlines(session)

        assert {
            (g.token_hash, g.event_id, g.role, g.room_id, g.team_id, g.label) for g in grants
        } == before.tokens
        assert all(principal_from_grant(grant) is not None for grant in grants)
        assert sorted(due) == sorted(
            (room_id, room.next_due)
            for room_id, room in before.rooms.items()
            if room.next_due is not None
        )


async def _assert_event_kept(
    session: AsyncSession, event_id: str, stored_event: Mapping[str, Any], before: Stored
) -> None:
    event = await crud.get_event(session, event_id=event_id)
    assert event is not None
    assert (
        event.title,
        event.protocol_id,
        event.scheduled_start,
        event.main_room_at,
        event.created_at,
    ) == (
        stored_event["title"],
        stored_event["protocol_id"],
        stored_event["scheduled_start"],
        stored_event["main_room_at"],
        stored_event["created_at"],
    )
    assert event.state.status == stored_event["status"]
    assert event.state.recall_deadline == stored_event["recall_deadline"]
    assert event.state.version == 0
    assert event.state.last_change is None
    assert event.setup_version == 0

    loaded_event, states = await crud.load_event_states(session, event_id=event_id)
    assert loaded_event == event
    rooms = before.rooms_of(event_id)
    assert set(states) == set(rooms)
    for room_id, state in states.items():
        assert state == state_from_json(rooms[room_id].state_json)
        assert state.version == rooms[room_id].version == rooms[room_id].state["version"]
        assert state.status == rooms[room_id].state["status"]

    setup = await crud.load_setup(session, event_id=event_id, version=0)
    assert dict(setup.rooms) == {
        room_id: Room(
            id=room_id,
            event_id=event_id,
            position=room.position,
            label=room.label,
            video_room=room.video_room,
            moderator_name=room.moderator_name,
            team_ids=room.team_ids,
            fixed_roles=("",) * len(room.team_ids),  # every seat follows the rotation
        )
        for room_id, room in rooms.items()
    }
    assert dict(setup.teams) == before.teams_of(event_id)
    teams = await crud.list_teams(session, event_id=event_id)
    assert {team.id: team for team in teams} == before.teams_of(event_id)

    help_requests = await crud.list_help_requests(session, event_id=event_id, include_resolved=True)
    stored_help = {
        help_id: values for help_id, values in before.help.items() if values["event_id"] == event_id
    }
    assert {request.id for request in help_requests} == set(stored_help)
    for request in help_requests:
        values = stored_help[request.id]
        assert (
            request.room_id,
            request.round_index,
            request.phase_id,
            request.role,
            request.requested_by,
            request.message,
            request.created_at,
        ) == (
            values["room_id"],
            values["round_index"],
            values["phase_id"],
            values["role"],
            values["requested_by"],
            values["message"],
            values["created_at"],
        )
        assert request.state.status == values["status"]
        assert request.state.claimed_by == values["claimed_by"]
        assert request.state.updated_at == values["updated_at"]
        assert request.state.version == 0
        assert request.state.resolved_by == ""

    log = await crud.read_log(session, event_id=event_id)
    assert log == [entry for entry in before.log if entry.event_id == event_id]


# -- 3. a second upgrade ---------------------------------------------------------------------


async def test_a_second_upgrade_changes_nothing_and_reports_head_before_and_after(
    first_release_url: str,
) -> None:
    async with engine_on(first_release_url) as engine:
        await upgrade(engine)
        upgraded = await dump_every_table(engine)
        assert upgraded["seat"]  # there is data to lose

        assert await upgrade(engine) == (head(), head())

        assert await dump_every_table(engine) == upgraded
        await assert_schema_is_the_models(engine)


async def test_a_refused_upgrade_leaves_a_first_release_database_as_it_was_and_upgradable(
    first_release_url: str,
) -> None:
    async with engine_on(first_release_url) as engine:
        tables = set(await dump_every_table(engine))
        async with engine.begin() as connection:  # a join link for a team that is gone
            await connection.execute(
                text(
                    "INSERT INTO access_token (token_hash, event_id, role, room_id, team_id, "
                    "label, created_at) SELECT 'dangling', event_id, 'member', room_id, "
                    "'no-such-team', '', 0 FROM access_token WHERE role = 'observer' LIMIT 1"
                )
            )

        with pytest.raises((RuntimeError, IntegrityError)):
            await upgrade(engine)

        assert await current_revision(engine) == FIRST_RELEASE
        assert set(await dump_every_table(engine)) == tables
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM access_token WHERE token_hash = 'dangling'"))
        assert await upgrade(engine) == (BASELINE, head())


# -- 4. PostgreSQL is upgraded only when asked -------------------------------------------------


async def test_postgres_behind_head_is_refused_until_opened_with_upgrade(
    behind_postgres_url: str,
) -> None:
    async with engine_on(behind_postgres_url) as engine:
        revision = await current_revision(engine)
        assert revision != head()

        with pytest.raises(SchemaBehind, match=r"consult db upgrade"):
            await open_database(behind_postgres_url)

        # The refusal changed nothing.
        assert await current_revision(engine) == revision

    upgraded = await open_database(behind_postgres_url, upgrade_schema=True)
    try:
        assert await current_revision(upgraded) == head()
        await assert_schema_is_the_models(upgraded)
    finally:
        await upgraded.dispose()

    reopened = await open_database(behind_postgres_url)  # now at head: no refusal
    await reopened.dispose()


# -- 5. a real server on an upgraded first-release file ---------------------------------------


def _deadline(state: Mapping[str, Any]) -> float:
    """The running phase's deadline, as the first release's stored fields define it."""
    return float(
        state["phase_started_at"]
        + state["phase_seconds"]
        + state["added_seconds"]
        + state["paused_seconds"]
    )


def _planned_seconds(state: Mapping[str, Any], round_index: int, phase_index: int) -> float:
    for entry in state["planned"]:
        if (entry["round_index"], entry["phase_index"]) == (round_index, phase_index):
            return float(entry["seconds"])
    raise AssertionError(f"the fitted room has no planned length for {round_index, phase_index}")


async def test_a_server_on_an_upgraded_first_release_file_keeps_running_its_fitted_room(
    tmp_path: Path,
) -> None:
    database = tmp_path / "written_by_0_1.sqlite"
    shutil.copyfile(SQLITE_FIRST_RELEASE, database)
    async with engine_on(sqlite_url(database)) as engine:
        before = await read_first_release(engine)
        await upgrade(engine)
    room_id, stored = next(
        (room_id, room)
        for room_id, room in before.rooms.items()
        if room.state["status"] == "running"
    )
    state = stored.state
    assert state["planned"]  # fitted to time
    deadline = _deadline(state)
    next_length = _planned_seconds(state, state["round_index"], state["phase_index"] + 1)
    clock = FakeClock(state["updated_at"])
    assert clock.now() < deadline
    uber = Principal(access="uber", event_id=stored.event_id, room_id=None, team_id=None, label="t")

    async with running_server(make_settings(database), clock) as server:
        snapshot = await server.services.snapshots.snapshot(uber)
        view = next(room for room in snapshot.rooms if room.id == room_id)
        assert (view.status, view.version) == ("running", stored.version)
        assert (view.round_index, view.phase_index) == (state["round_index"], state["phase_index"])
        assert view.deadline == deadline * 1000
        assert [seat.team_id for seat in view.seats] == list(stored.team_ids)

        clock.set(deadline + 1)
        await server.settle()

        snapshot = await server.services.snapshots.snapshot(uber)
        view = next(room for room in snapshot.rooms if room.id == room_id)
        assert (view.status, view.version) == ("running", stored.version + 1)
        assert (view.round_index, view.phase_index) == (
            state["round_index"],
            state["phase_index"] + 1,
        )
        assert view.phase_started_at == deadline * 1000
        assert view.deadline == (deadline + next_length) * 1000

    async with engine_on(sqlite_url(database)) as engine:
        rows = await _rows(
            engine, "SELECT state_json, version FROM room WHERE id = :id", id=room_id
        )
        log = await _rows(
            engine, "SELECT action FROM command_log WHERE room_id = :id ORDER BY id", id=room_id
        )
    written = json.loads(rows[0]["state_json"])
    assert written["format"] == FORMAT
    assert written["version"] == rows[0]["version"] == stored.version + 1
    assert written["phase_index"] == state["phase_index"] + 1
    assert len(log) == len([entry for entry in before.log if entry.room_id == room_id]) + 1
    assert log[-1]["action"] == "tick"


# -- 6. one migration, both ways ---------------------------------------------------------------


async def run_alembic(engine: AsyncEngine, step: Callable[[Config], object]) -> None:
    """One alembic step on ``engine``, run as ``upgrade`` runs its own: on SQLite with
    foreign keys off, so a table rebuilt by a step cascades to no other table."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as connection:
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(lambda sync: step(alembic_config(sync)))
            await connection.commit()
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def test_a_team_s_state_is_added_empty_to_every_team_and_taken_away_on_the_way_back(
    first_release_url: str,
) -> None:
    """0007 gives every existing team an empty ``state`` and changes no other row; going
    back to 0006 drops the column and leaves the database as it was before."""

    def to_0006(config: Config) -> None:
        command.stamp(config, BASELINE)
        command.upgrade(config, "0006")

    async with engine_on(first_release_url) as engine:
        await run_alembic(engine, to_0006)
        before = await dump_every_table(engine)
        assert before["team"]  # there are teams to give a state

        assert await upgrade(engine) == ("0006", head())

        after = await dump_every_table(engine)
        # The new column is the table's last: every team's row gains a "" at its end.
        assert after["team"] == sorted(((*row, "") for row in before["team"]), key=repr)
        unchanged = set(before) - {"team", "alembic_version"}
        assert {name: after[name] for name in unchanged} == {
            name: before[name] for name in unchanged
        }
        team = before["team"][0][0]
        async with AsyncSession(engine) as session:
            await crud.update_team(session, team_id=team, values={"state": "State A"})
            await session.commit()
            (stored,) = await crud.get_teams(session, team_ids=[team])
        assert stored.state == "State A"

        await run_alembic(engine, lambda config: command.downgrade(config, "0006"))

        assert await dump_every_table(engine) == before
        assert await upgrade(engine) == ("0006", head())
        await assert_schema_is_the_models(engine)


# -- the run state codec ------------------------------------------------------------------------


RUNNING = RunState(
    protocol_id="t4tla-consultancy",
    status=Status.RUNNING,
    version=3,
    phase_index=1,
    phase_started_at=1_800_000_180.0,
    phase_seconds=180.0,
    added_seconds=-34.0,
    started_at=1_800_000_000.0,
    updated_at=1_800_000_200.0,
)


def test_a_format_1_run_state_reads_as_the_same_state_and_is_written_as_format_3() -> None:
    written = json.loads(state_to_json(RUNNING))
    assert written["format"] == FORMAT == 3
    format_1 = {key: value for key, value in written.items() if key not in ("format", "plan_end")}

    assert state_from_json(json.dumps(format_1)) == RUNNING
    assert state_from_json(state_to_json(RUNNING)) == RUNNING


def test_the_first_release_fitted_run_state_reads_with_its_plan() -> None:
    stored = json.loads(
        '{"protocol_id":"t4tla-consultancy","status":"running","version":3,"round_index":0,'
        '"phase_index":1,"phase_started_at":1800000180.0,"phase_seconds":180.0,'
        '"added_seconds":-34.0,"paused_seconds":0.0,"paused_at":null,'
        '"started_at":1800000000.0,"finished_at":null,"recall_deadline":null,'
        '"returned":false,"updated_at":1800000200.0,'
        '"planned":[{"round_index":0,"phase_index":2,"seconds":377.0}]}'
    )
    state = state_from_json(json.dumps(stored))
    assert state.deadline == _deadline(stored)
    assert [(p.round_index, p.phase_index, p.seconds) for p in state.planned] == [(0, 2, 377.0)]
    assert state.plan_end is None
    assert json.loads(state_to_json(state)) == {**stored, "format": 3, "plan_end": None}


def test_a_format_2_fitted_run_state_reads_against_its_schedule_and_keeps_a_plan_end() -> None:
    """Format 3 adds the fitted plan's end; a format 2 state has none (its drift is
    measured against the schedule, as when it was written), and a fitted one round-trips."""
    format_2 = {**json.loads(state_to_json(RUNNING)), "format": 2}
    del format_2["plan_end"]
    assert state_from_json(json.dumps(format_2)) == RUNNING
    fitted = dataclasses.replace(RUNNING, plan_end=1_800_001_500.0)
    assert state_from_json(state_to_json(fitted)) == fitted


def test_a_run_state_in_an_unknown_future_format_is_refused() -> None:
    future = {**json.loads(state_to_json(RUNNING)), "format": 99}
    with pytest.raises(ValueError, match=r"format 99\b"):
        state_from_json(json.dumps(future))


async def test_a_team_listed_in_two_rooms_keeps_its_first_seat_and_the_others_keep_theirs(
    tmp_path: Path,
) -> None:
    """The first release could seat a team twice (two rooms made at once). The upgrade
    keeps it where its event first placed it; the other room's seat stays empty, and the
    team beside it keeps its seat, so its role does not change."""
    copy = tmp_path / "twice.sqlite"
    shutil.copyfile(SQLITE_FIRST_RELEASE, copy)
    url = sqlite_url(copy)
    async with engine_on(url) as engine:
        async with engine.begin() as connection:
            rooms = (
                await connection.execute(
                    text(
                        "SELECT id, team_ids FROM room WHERE event_id = "
                        "(SELECT event_id FROM room GROUP BY event_id HAVING count(*) = 2) "
                        "ORDER BY position"
                    )
                )
            ).all()
            (first_id, first_teams), (second_id, second_teams) = rooms
            twice = json.loads(first_teams)[0]
            stays = json.loads(second_teams)[1]
            await connection.execute(
                text("UPDATE room SET team_ids = :teams WHERE id = :id"),
                {"teams": json.dumps([twice, stays]), "id": second_id},
            )
        await upgrade(engine)
        async with AsyncSession(engine) as session:
            event_id = (
                await session.execute(
                    text("SELECT event_id FROM room WHERE id = :id"), {"id": first_id}
                )
            ).scalar_one()
            setup = await crud.load_setup(session, event_id=event_id, version=0)
    assert setup.rooms[first_id].team_ids[0] == twice
    assert setup.rooms[second_id].team_ids == ("", stays)
