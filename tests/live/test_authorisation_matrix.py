"""The authorisation matrix: every REST operation and every websocket message against
every kind of caller, each cell's answer written down below and checked.

The rules the tables spell out (``server/access.py``, ``server/api/deps.py``, and each
service's ``require_*`` calls):

- A caller is named by a join token (``Authorization: Bearer``, or ``/ws?token=``). No
  token, an unknown one, or only the admin key where a token is needed: ``401
  auth.invalid`` (on the websocket: an ``error`` frame, then close 4401). A revoked link:
  ``auth.revoked``; a link whose event is over (main-room time plus the grace):
  ``auth.expired``; both before anything else is looked at.
- ``POST /api/events`` needs the admin key and nothing else (a join token, even an
  uber's, is not the admin key). ``GET /api/ws/schema`` needs nothing.
- Uber moderators see and command every room of their event; a moderator commands its
  own room; members and observers only see their room. Moderators and members ask for
  help; only ubers claim and resolve it. Observers are read only. Anyone connected may
  give a name for presence (``presence.name``: it lasts for the connection, nothing stored).
- Links: the admin key (with ``?event_id=``) or any uber manages the links of rooms;
  uber links only the admin key, or an uber link the admin allowed to (event A's uber
  was not allowed to).
- Everything acts on the caller's own event: the uber of event B naming event A's room,
  team, link or help request gets ``404 not_found``; an operation naming no id acts on B.
- A refusal changes nothing; an allowed change changes only the caller's own event.

Every cell is checked twice: its answer, and what it changed in the database (read from
the file: every row of events A, B and C, and how many rows other events hold). Each row
of a table gets fresh worlds (``build_world``): the cells that may change nothing run in
one nothing has changed, and each cell allowed to change something gets a world whose
event no other cell has changed, so no cell's answer depends on another's.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import typing
from collections.abc import Awaitable, Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.access import Principal
from server.main import create_app
from server.settings import Settings
from server.wire.messages import ClientMessage
from server.wire.team import TeamCreate
from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, WAIT, LiveServer, make_settings, running_server, token_of

PRINCIPALS = (
    "none",  # no credentials at all
    "junk",  # a join token that was never issued
    "admn",  # the admin key (X-Admin-Key); on the routes that take it, with ?event_id=<event A>
    "obs1",  # an observer of room 1 of event A
    "mem1",  # a member (one team) of room 1
    "mem2",  # a member of room 2: another room
    "mod2",  # the moderator of room 2: another room
    "mod1",  # the moderator of room 1
    "uber",  # event A's uber moderator (not allowed to make uber links)
    "ubrB",  # the uber moderator of event B, which has its own room
    "revk",  # a member link of room 1, revoked through POST /api/links/{link_id}/revoke
    "expd",  # the uber link of event C, whose main-room time plus the grace (1 h) is past
)
"""The callers, in the tables' column order. Every id a request names is event A's: room 1,
two teams of A in no room, a live observer link of room 2, A's second uber link, an open
help request of room 1."""

# -- the tables ------------------------------------------------------------------------
#
# REST cells: the status, and for a refusal the error code:
#   200, 201  allowed (the operation's success status)
#   401  auth.invalid     401R  auth.revoked     401E  auth.expired
#   403  auth.forbidden   404   not_found
# A row with "(uber)" is the same route, on uber links: making one, revoking or rotating
# event A's second uber link, revoking or rotating every uber link.

REST_MATRIX = """
operation                               none junk admn obs1 mem1 mem2 mod2 mod1 uber ubrB revk expd
GET  /api/ws/schema                     200  200  200  200  200  200  200  200  200  200  200  200
POST /api/events                        401  401  201  401  401  401  401  401  401  401  401  401
GET  /api/me                            401  401  401  200  200  200  200  200  200  200  401R 401E
POST /api/teams                         401  401  401  403  403  403  403  403  201  201  401R 401E
POST /api/teams/import                  401  401  401  403  403  403  403  403  200  200  401R 401E
GET  /api/teams                         401  401  401  403  403  403  403  403  200  200  401R 401E
PATCH /api/teams/{team_id}              401  401  401  403  403  403  403  403  200  404  401R 401E
DELETE /api/teams/{team_id}             401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/teams/{team_id}/move          401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/rooms/{room_id}/seats         401  401  401  403  403  403  403  200  200  404  401R 401E
PATCH /api/rooms/{room_id}              401  401  401  403  403  403  403  403  200  404  401R 401E
DELETE /api/rooms/{room_id}             401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/rooms                         401  401  401  403  403  403  403  403  201  404  401R 401E
POST /api/rooms/pair                    401  401  401  403  403  403  403  403  201  201  401R 401E
POST /api/rooms/group/preview           401  401  200  403  403  403  403  403  200  200  401R 401E
POST /api/rooms/group                   401  401  201  403  403  403  403  403  201  404  401R 401E
GET  /api/rooms/zoom.csv                401  401  401  403  403  403  403  403  200  200  401R 401E
GET  /api/links                         401  401  200  403  403  403  403  403  200  200  401R 401E
POST /api/links                         401  401  201  403  403  403  403  403  201  404  401R 401E
POST /api/links (uber)                  401  401  201  403  403  403  403  403  403  403  401R 401E
POST /api/links/revoke-role             401  401  200  403  403  403  403  403  200  200  401R 401E
POST /api/links/revoke-role (uber)      401  401  200  403  403  403  403  403  403  403  401R 401E
POST /api/links/rotate-role             401  401  201  403  403  403  403  403  201  201  401R 401E
POST /api/links/rotate-role (uber)      401  401  201  403  403  403  403  403  403  403  401R 401E
POST /api/links/{link_id}/revoke        401  401  200  403  403  403  403  403  200  404  401R 401E
POST /api/links/{link_id}/revoke (uber) 401  401  200  403  403  403  403  403  403  404  401R 401E
POST /api/links/{link_id}/rotate        401  401  201  403  403  403  403  403  201  404  401R 401E
POST /api/links/{link_id}/rotate (uber) 401  401  201  403  403  403  403  403  403  404  401R 401E
POST /api/rooms/{room_id}/commands      401  401  401  403  403  403  403  200  200  404  401R 401E
POST /api/event/start-all               401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/event/pause-all               401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/event/resume-all              401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/event/recall                  401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/event/fit-to-time             401  401  401  403  403  403  403  403  200  200  401R 401E
PATCH /api/event                        401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/event/agenda                  401  401  401  403  403  403  403  403  200  200  401R 401E
PUT  /api/event/agenda/segments         401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/event/switch-format           401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/event/broadcast               401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/help                          401  401  401  403  201  201  201  201  403  403  401R 401E
POST /api/help/{help_id}/claim          401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/help/{help_id}/resolve        401  401  401  403  403  403  403  403  200  404  401R 401E
POST /api/consent                       401  401  401  200  200  200  200  200  200  200  401R 401E
POST /api/notes                         401  401  401  200  200  200  200  200  403  403  401R 401E
POST /api/feedback                      401  401  401  200  200  200  200  200  403  403  401R 401E
GET  /api/feedback/summary              401  401  401  403  403  403  403  403  200  200  401R 401E
POST /api/asks                          401  401  401  403  201  201  403  403  403  403  401R 401E
POST /api/asks/{ask_id}/answer          401  401  401  403  403  403  403  200  200  404  401R 401E
GET  /api/export                        401  401  401  403  200  200  403  403  200  200  401R 401E
GET  /api/export/{section}.csv          401  401  401  403  200  200  403  403  200  200  401R 401E
POST /api/event/delete                  401  401  200  403  403  403  403  403  200  200  401R 401E
GET  /api/forms                         401  401  401  200  200  200  200  200  200  200  401R 401E
POST /api/forms/{form_id}/answers       401  401  401  200  200  200  200  200  200  200  401R 401E
GET  /api/forms/{form_id}/results       401  401  401  403  403  403  403  403  200  200  401R 401E
GET  /api/forms/{form_id}/results.svg   401  401  401  403  403  403  403  403  200  200  401R 401E
GET  /api/report                        401  401  200  403  403  403  403  403  200  200  401R 401E
GET  /api/report.md                     401  401  200  403  403  403  403  403  200  200  401R 401E
GET  /api/report.csv                    401  401  200  403  403  403  403  403  200  200  401R 401E
GET  /api/report.svg                    401  401  200  403  403  403  403  403  200  200  401R 401E
"""

# Websocket cells: what answers the message (sent with a request_id, echoed on the answer):
#   pong  a clock.pong   snap  a snapshot   ok  a command.ok whose detail.kind is the type
#   403 / 404  an error frame with code auth.forbidden / not_found
#   4401  no connection: the handshake's error frame (auth.invalid), then close code 4401;
#   4401R / 4401E  the same with auth.revoked / auth.expired
# (The admin key is sent as an X-Admin-Key header on the handshake, with no token.)

WS_MATRIX = """
message            none  junk  admn  obs1  mem1  mem2  mod2  mod1  uber  ubrB  revk  expd
clock.ping         4401  4401  4401  pong  pong  pong  pong  pong  pong  pong  4401R 4401E
snapshot.request   4401  4401  4401  snap  snap  snap  snap  snap  snap  snap  4401R 4401E
room.command       4401  4401  4401  403   403   403   403   ok    ok    404   4401R 4401E
event.start_all    4401  4401  4401  403   403   403   403   403   ok    ok    4401R 4401E
event.pause_all    4401  4401  4401  403   403   403   403   403   ok    ok    4401R 4401E
event.resume_all   4401  4401  4401  403   403   403   403   403   ok    ok    4401R 4401E
event.fit_to_time  4401  4401  4401  403   403   403   403   403   ok    ok    4401R 4401E
event.recall       4401  4401  4401  403   403   403   403   403   ok    ok    4401R 4401E
broadcast.send     4401  4401  4401  403   403   403   403   403   ok    404   4401R 4401E
help.request       4401  4401  4401  403   ok    ok    ok    ok    403   403   4401R 4401E
help.claim         4401  4401  4401  403   403   403   403   403   ok    404   4401R 4401E
help.resolve       4401  4401  4401  403   403   403   403   403   ok    404   4401R 4401E
consent.give       4401  4401  4401  ok    ok    ok    ok    ok    ok    ok    4401R 4401E
note.save          4401  4401  4401  ok    ok    ok    ok    ok    403   403   4401R 4401E
feedback.save      4401  4401  4401  ok    ok    ok    ok    ok    403   403   4401R 4401E
room.ask           4401  4401  4401  403   ok    ok    403   403   403   403   4401R 4401E
room.answer        4401  4401  4401  403   403   403   403   ok    ok    404   4401R 4401E
presence.name      4401  4401  4401  ok    ok    ok    ok    ok    ok    ok    4401R 4401E
"""

Outcome = tuple[str, str | None]
"""(what came back, its code): ("403", "auth.forbidden"), ("201", None), ("command.ok", None)."""

REST_LEGEND: dict[str, Outcome] = {
    "200": ("200", None),
    "201": ("201", None),
    "401": ("401", "auth.invalid"),
    "401R": ("401", "auth.revoked"),
    "401E": ("401", "auth.expired"),
    "403": ("403", "auth.forbidden"),
    "404": ("404", "not_found"),
}
WS_LEGEND: dict[str, Outcome] = {
    "pong": ("clock.pong", None),
    "snap": ("snapshot", None),
    "ok": ("command.ok", None),
    "403": ("error", "auth.forbidden"),
    "404": ("error", "not_found"),
    "4401": ("closed 4401", "auth.invalid"),
    "4401R": ("closed 4401", "auth.revoked"),
    "4401E": ("closed 4401", "auth.expired"),
}


@dataclass(frozen=True, slots=True)
class Cell:
    written: str
    """As the table writes it."""
    outcome: Outcome

    @property
    def allowed(self) -> bool:
        return self.outcome[1] is None


Table = dict[str, dict[str, Cell]]


def parse_matrix(text: str, legend: Mapping[str, Outcome]) -> Table:
    header, *rows = (line.split() for line in text.strip().splitlines())
    if tuple(header[1:]) != PRINCIPALS:
        raise ValueError(f"the columns must be {PRINCIPALS}, got {header[1:]}")
    width = len(PRINCIPALS)
    table: Table = {}
    for words in rows:
        name, cells = " ".join(words[:-width]), words[-width:]
        if name in table or len(words) <= width:
            raise ValueError(f"a row twice, or without a name: {words}")
        table[name] = {
            principal: Cell(cell, legend[cell])
            for principal, cell in zip(PRINCIPALS, cells, strict=True)
        }
    return table


REST_TABLE = parse_matrix(REST_MATRIX, REST_LEGEND)
WS_TABLE = parse_matrix(WS_MATRIX, WS_LEGEND)


def operation_of(row: str) -> str:
    """'POST /api/links (uber)' -> 'POST /api/links': the route a row exercises."""
    return row.split(" (", 1)[0]


# -- the world -------------------------------------------------------------------------

PROTOCOL = "t4tla-consultancy"  # two teams a room
State = Literal["setup", "running", "paused", "finished"]
"""Where a row's world starts: every room of A and B not started, running, paused, or
finished (when final thoughts are open)."""
GRACE_HOURS = 1
JUNK_TOKEN = "not-a-join-token-at-all"


@dataclass
class World:
    """Events A (rooms 1 and 2), B (its own room) and C (over), and a token per caller."""

    now: float
    event_a: str
    event_b: str
    event_c: str
    room1: str
    room2: str
    free_teams: tuple[str, str]
    """Two teams of A in no room (for creating and pairing rooms)."""
    room1_teams: tuple[str, str]
    """Room 1's teams in seat order."""
    setup_version: int
    """Event A's setup version once built (what a setup edit says it saw)."""
    spare_link: str
    """A live observer link of room 2 (for revoking and rotating one link)."""
    second_uber: str
    """A's second uber link, made by the admin key."""
    help_id: str
    """An open help request of room 1."""
    ask_id: str
    """While rooms run: an open "one more minute" of room 1."""
    tokens: dict[str, str]
    dirty: set[str] = field(default_factory=set)
    """The parts of the world cells have changed ("A", "B", "elsewhere")."""


def team(name: str, tag: str) -> TeamCreate:
    return TeamCreate.model_validate({"name": name, "tags": [tag]})


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


async def build_world(server: LiveServer, state: State) -> World:
    """Made through the services (the rules under test are the ones in front of them),
    but for the one link revoked through the REST route."""
    services, now = server.services, server.clock.now()

    async def event(title: str, start: float) -> tuple[str, str]:
        made, link = await services.setup.create_event(
            title=title, protocol_id=PROTOCOL, scheduled_start=start, main_room_at=start + 5400
        )
        return made.id, token_of(link.url)

    async def link(
        steward: Principal,
        role: Literal["uber", "moderator", "member", "observer"],
        label: str,
        room_id: str | None = None,
        team_id: str | None = None,
    ) -> tuple[str, str]:
        made = await services.links.create(
            steward, role=role, room_id=room_id, team_id=team_id, label=label
        )
        return made.id, token_of(made.url)

    event_a, uber_a = await event("Spring community of practice", now)
    uber = await services.principals.authenticate(uber_a)
    teams = await services.setup.add_teams(
        uber,
        [
            team("Riverside District", "mentoring"),
            team("Hillcrest Schools", "mentoring"),
            team("Lakeview Unified", "retention"),
            team("Pinecrest Academy", "retention"),
            team("Northside ISD", "induction"),
            team("Eastview Schools", "induction"),
        ],
    )
    ids = [made.id for made in teams]
    room1 = await services.setup.create_room(uber, team_ids=ids[0:2], video_room="Breakout 1")
    room2 = await services.setup.create_room(uber, team_ids=ids[2:4], video_room="Breakout 2")
    _, mod1 = await link(uber, "moderator", "Moderator 1", room1.id)
    _, mod2 = await link(uber, "moderator", "Moderator 2", room2.id)
    _, mem1 = await link(uber, "member", "Riverside District", room1.id, ids[0])
    _, mem2 = await link(uber, "member", "Lakeview Unified", room2.id, ids[2])
    _, obs1 = await link(uber, "observer", "Observer 1", room1.id)
    spare, _ = await link(uber, "observer", "Observer 2", room2.id)
    second_uber, _ = await link(Principal.admin(event_a), "uber", "Second uber")
    revoked_id, revoked = await link(uber, "member", "Hillcrest (lost phone)", room1.id, ids[1])
    async with server.http(uber_a) as http:
        revoking = await http.post(f"/api/links/{revoked_id}/revoke")
        assert revoking.status_code == 200, revoking.text
    _, asker = await link(uber, "member", "Hillcrest Schools", room1.id, ids[1])
    asked = await services.help.request(
        await services.principals.authenticate(asker), message="Our audio dropped"
    )

    event_b, uber_b_token = await event("Spring community of practice", now)
    uber_b = await services.principals.authenticate(uber_b_token)
    b_teams = await services.setup.add_teams(
        uber_b,
        [
            team("Mesa Unified", "coaching"),
            team("Canyon District", "coaching"),
            team("Harbor Schools", "data"),
            team("Bayside ISD", "data"),
        ],
    )
    room_b = await services.setup.create_room(
        uber_b, team_ids=[b_teams[0].id, b_teams[1].id], video_room="Breakout B"
    )
    await link(uber_b, "observer", "Observer B", room_b.id)

    # Event C ended three days ago: its links are past their grace.
    event_c, expired = await event("Last week's community of practice", now - 3 * 86400)

    # Every caller accepted the notice on notes (a note is refused before it).
    for token in (uber_a, uber_b_token, mod1, mod2, mem1, mem2, obs1):
        await services.notes.consent(await services.principals.authenticate(token))
    for steward in (uber, uber_b):
        if state in ("running", "paused"):
            await services.event.start_all(steward)
        if state == "paused":
            await services.event.pause_all(steward)
    more_time = ""
    if state in ("running", "paused"):
        asking = await services.principals.authenticate(asker)
        more_time = (await services.asks.ask(asking, kind="more_time")).id
    if state == "finished":
        for steward, room_id in ((uber, room1.id), (uber, room2.id), (uber_b, room_b.id)):
            await services.rooms.command(
                steward, room_id=room_id, action="finish", expected_version=0
            )
    return World(
        now=now,
        event_a=event_a,
        event_b=event_b,
        event_c=event_c,
        room1=room1.id,
        room2=room2.id,
        free_teams=(ids[4], ids[5]),
        room1_teams=(ids[0], ids[1]),
        setup_version=(await services.snapshots.snapshot(uber)).event.setup_version,
        spare_link=spare,
        second_uber=second_uber,
        help_id=asked.id,
        ask_id=more_time,
        tokens={
            "obs1": obs1,
            "mem1": mem1,
            "mem2": mem2,
            "mod2": mod2,
            "mod1": mod1,
            "uber": uber_a,
            "ubrB": uber_b_token,
            "revk": revoked,
            "expd": expired,
        },
    )


SIGHTINGS = frozenset({"last_seen_at", "online_until"})
"""Columns that note a link being used: using a link is not a change."""


def fingerprint(database: Path, world: World) -> dict[str, object]:
    """Every stored row (but sightings) of events A, B and C, each under its event's name,
    and under "elsewhere" how many rows every table holds for other events (and the
    whole of any table that belongs to no event). Read from the database file itself."""
    owners = {world.event_a: "A", world.event_b: "B", world.event_c: "C"}
    marks = ", ".join("?" * len(owners))
    prints: dict[str, list[object]] = {name: [] for name in ("A", "B", "C", "elsewhere")}
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        tables = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for (table,) in sorted(tables):
            columns = [column[1] for column in db.execute(f'PRAGMA table_info("{table}")')]
            kept = ", ".join(f'"{column}"' for column in columns if column not in SIGHTINGS)
            if table == "event":
                owner = "id"
            elif "event_id" in columns:
                owner = "event_id"
            elif "room_id" in columns:
                owner = "(SELECT room.event_id FROM room WHERE room.id = room_id)"
            else:
                rows = db.execute(f'SELECT {kept} FROM "{table}"').fetchall()
                prints["elsewhere"].append((table, sorted(rows, key=repr)))
                continue
            query = f'SELECT {owner}, {kept} FROM "{table}" WHERE {owner} IN ({marks})'
            for row in sorted(db.execute(query, list(owners)).fetchall(), key=repr):
                prints[owners[row[0]]].append((table, row[1:]))
            query = f'SELECT count(*) FROM "{table}" WHERE {owner} NOT IN ({marks})'
            prints["elsewhere"].append((table, db.execute(query, list(owners)).fetchone()))
    return dict(prints)


def home_of(row: str, principal: str) -> str:
    """What an allowed change changes: the caller's event (a new event is elsewhere)."""
    if operation_of(row) == "POST /api/events":
        return "elsewhere"
    return "B" if principal == "ubrB" else "A"


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    said: str = ""
    """The refusal's message, for the report."""


Perform = Callable[[World, str, str], Awaitable[Answer]]
"""(world, row, principal) -> the answer."""


async def check_row(
    server: LiveServer,
    database: Path,
    row: str,
    cells: Mapping[str, Cell],
    state: State,
    changes: bool,
    perform: Perform,
    failures: list[str],
) -> None:
    """Every cell of one row: its answer, and what it changed (nothing, unless it is
    allowed to change something; then only the caller's own event).

    The cells that may change nothing go first, in a world nothing has changed; each
    cell allowed to change something gets a world whose part it changes nothing has
    changed yet (A for event A's callers, B for event B's uber). A world something
    changed unexpectedly is not used again."""
    worlds: list[World] = []
    writers = [p for p in PRINCIPALS if changes and cells[p].allowed]
    readers = [p for p in PRINCIPALS if p not in writers]
    for principal in readers + writers:
        home = home_of(row, principal)
        clean = [
            world
            for world in worlds
            if (home not in world.dirty if principal in writers else not world.dirty)
        ]
        if clean:
            world = clean[0]
        else:
            world = await build_world(server, state)
            worlds.append(world)
        before = fingerprint(database, world)
        answer = await perform(world, row, principal)
        after = fingerprint(database, world)
        changed = sorted(part for part in before if before[part] != after[part])
        world.dirty.update(changed)
        expected_changes = [home] if principal in writers else []
        cell = cells[principal]
        problems = []
        if answer.outcome != cell.outcome:
            problems.append(f"expected {cell.written} {cell.outcome}, got {answer.outcome}")
        if changed != expected_changes:
            problems.append(f"expected changes to {expected_changes}, got changes to {changed}")
        if problems:
            said = f" ({answer.said})" if answer.said else ""
            failures.append(f"{row} as {principal}: {'; '.join(problems)}{said}")


# -- REST ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rest:
    """How a row's request is made: a valid body, the ids in its path, the world's state."""

    body: Callable[[World], object] | None = None
    csv: str | None = None
    ids: Callable[[World], dict[str, str]] | None = None
    query: Callable[[World], dict[str, str | int]] | None = None
    state: State = "setup"
    changes: bool = True
    """Whether an allowed call changes what is stored."""


def room_1(world: World) -> dict[str, str]:
    return {"room_id": world.room1}


def spare_link(world: World) -> dict[str, str]:
    return {"link_id": world.spare_link}


def second_uber(world: World) -> dict[str, str]:
    return {"link_id": world.second_uber}


def open_help(world: World) -> dict[str, str]:
    return {"help_id": world.help_id}


NOTE = {
    "round_index": 0,
    "phase_id": "collaborative-inquiry",
    "text": "They asked about our first-year mentors.",
    "expected_version": 0,
}

FEEDBACK = {
    "round_index": 0,
    "most_useful": "Hearing how another district staffs mentoring.",
    "more_useful": "More time in Reflective response.",
    "expected_version": 0,
}

TEAMS_CSV = (
    "name,organisation,members,tags,stage\n"
    "Westfield Schools,State G LEA,Ana Ruiz;Ben Cole,mentoring;retention,early implementation\n"
    "Southgate District,State H LEA,,induction,new start\n"
)

REST_CALLS: dict[str, Rest] = {
    "GET /api/ws/schema": Rest(changes=False),
    "POST /api/events": Rest(
        body=lambda w: {
            "title": "Winter community of practice",
            "protocol_id": PROTOCOL,
            "scheduled_start": iso(w.now + 86400),
            "main_room_at": iso(w.now + 86400 + 5400),
        }
    ),
    "GET /api/me": Rest(changes=False),
    "POST /api/teams": Rest(
        body=lambda _: {
            "name": "Oakridge District",
            "organisation": "State C LEA",
            "members": ["Dee Park", "Eli Moss"],
            "challenge": "New teachers leave within two years.",
            "request": "Ideas for a first-year mentoring plan.",
            "stage": "early implementation",
            "tags": ["mentoring"],
        }
    ),
    "POST /api/teams/import": Rest(csv=TEAMS_CSV),
    "GET /api/teams": Rest(changes=False),
    "POST /api/rooms": Rest(
        body=lambda w: {
            "team_ids": list(w.free_teams),
            "label": "Induction room",
            "video_room": "Breakout 3",
            "moderator_name": "Alex Moreno",
        }
    ),
    "POST /api/rooms/pair": Rest(body=lambda _: {"by": "tags"}),
    "POST /api/rooms/group/preview": Rest(body=lambda _: {}, changes=False),
    "POST /api/rooms/group": Rest(
        body=lambda w: {"rooms": [list(w.free_teams)], "setup_version": w.setup_version}
    ),
    "PATCH /api/teams/{team_id}": Rest(
        ids=lambda w: {"team_id": w.free_teams[0]},
        body=lambda w: {"setup_version": w.setup_version, "stage": "full implementation"},
    ),
    "DELETE /api/teams/{team_id}": Rest(
        ids=lambda w: {"team_id": w.free_teams[0]},
        query=lambda w: {"setup_version": w.setup_version},
    ),
    "POST /api/teams/{team_id}/move": Rest(
        ids=lambda w: {"team_id": w.free_teams[0]},
        body=lambda w: {
            "setup_version": w.setup_version,
            "room_id": w.room1,
            "seat": 3,
            "role": "observer",
        },
    ),
    "POST /api/rooms/{room_id}/seats": Rest(
        ids=room_1,
        body=lambda w: {"setup_version": w.setup_version, "team_ids": list(w.room1_teams[::-1])},
    ),
    "PATCH /api/rooms/{room_id}": Rest(
        ids=room_1,
        body=lambda w: {
            "setup_version": w.setup_version,
            "label": "Blue room",
            "video_url": "https://meet.example/blue",
        },
    ),
    "DELETE /api/rooms/{room_id}": Rest(
        ids=lambda w: {"room_id": w.room2}, query=lambda w: {"setup_version": w.setup_version}
    ),
    "GET /api/rooms/zoom.csv": Rest(changes=False),
    "GET /api/links": Rest(changes=False),
    "POST /api/links": Rest(
        body=lambda w: {"role": "observer", "room_id": w.room1, "label": "Visiting observer"}
    ),
    "POST /api/links (uber)": Rest(body=lambda _: {"role": "uber", "label": "Night shift"}),
    "POST /api/links/revoke-role": Rest(body=lambda _: {"role": "observer"}),
    "POST /api/links/revoke-role (uber)": Rest(body=lambda _: {"role": "uber"}),
    "POST /api/links/rotate-role": Rest(body=lambda _: {"role": "observer"}),
    "POST /api/links/rotate-role (uber)": Rest(body=lambda _: {"role": "uber"}),
    "POST /api/links/{link_id}/revoke": Rest(ids=spare_link),
    "POST /api/links/{link_id}/revoke (uber)": Rest(ids=second_uber),
    "POST /api/links/{link_id}/rotate": Rest(ids=spare_link),
    "POST /api/links/{link_id}/rotate (uber)": Rest(ids=second_uber),
    "POST /api/rooms/{room_id}/commands": Rest(
        ids=room_1, body=lambda _: {"action": "start", "expected_version": 0}
    ),
    "POST /api/event/start-all": Rest(body=lambda _: {}),
    "POST /api/event/pause-all": Rest(body=lambda _: {}, state="running"),
    "POST /api/event/resume-all": Rest(body=lambda _: {}, state="paused"),
    "POST /api/event/recall": Rest(body=lambda _: {"seconds": 30}, state="running"),
    "POST /api/event/fit-to-time": Rest(
        body=lambda w: {"target": iso(w.now + 1800), "minimum_seconds": 30}, state="running"
    ),
    # Both events stand at version 0 before anything runs: one body serves A's and B's uber.
    "PATCH /api/event": Rest(
        body=lambda w: {"expected_version": 0, "main_room_at": iso(w.now + 7200)}
    ),
    "POST /api/event/agenda": Rest(body=lambda _: {"action": "start", "expected_version": 0}),
    "PUT /api/event/agenda/segments": Rest(
        body=lambda _: {"segments": [{"title": "Welcome", "length": "8m", "part": "before"}]}
    ),
    "POST /api/event/switch-format": Rest(
        body=lambda w: {
            "setup_version": w.setup_version,
            "format": "single",
            "present_team_ids": [*w.room1_teams, *w.free_teams],
            "inner_team_ids": [w.room1_teams[0]],
        },
        state="running",
    ),
    "POST /api/event/broadcast": Rest(
        body=lambda w: {"text": "Five minutes left in this phase", "room_id": w.room1}
    ),
    "POST /api/help": Rest(body=lambda _: {"message": "Our presenting team lost its audio"}),
    "POST /api/help/{help_id}/claim": Rest(ids=open_help, body=lambda _: {"expected_version": 0}),
    "POST /api/help/{help_id}/resolve": Rest(ids=open_help, body=lambda _: {"expected_version": 0}),
    # Every link of the world accepted the notice already: consenting again changes nothing.
    "POST /api/consent": Rest(changes=False),
    "POST /api/notes": Rest(body=lambda _: NOTE),
    "POST /api/feedback": Rest(body=lambda _: FEEDBACK, state="finished"),
    "GET /api/feedback/summary": Rest(changes=False),
    "GET /api/export": Rest(changes=False),
    "GET /api/forms": Rest(changes=False),
    "POST /api/forms/{form_id}/answers": Rest(
        ids=lambda _: {"form_id": "progress-implementation"},
        body=lambda _: {"answers": {"partners": "agree"}, "expected_version": 0},
    ),
    "GET /api/forms/{form_id}/results": Rest(
        ids=lambda _: {"form_id": "progress-implementation"}, changes=False
    ),
    "GET /api/forms/{form_id}/results.svg": Rest(
        ids=lambda _: {"form_id": "progress-implementation"}, changes=False
    ),
    "GET /api/report": Rest(changes=False, state="running"),
    "GET /api/report.md": Rest(changes=False, state="running"),
    "GET /api/report.csv": Rest(changes=False, state="running"),
    "GET /api/report.svg": Rest(changes=False, state="running"),
    "GET /api/export/{section}.csv": Rest(ids=lambda _: {"section": "notes"}, changes=False),
    # Events A and B share their title: one confirmation serves every caller's own event.
    "POST /api/event/delete": Rest(body=lambda _: {"confirm": "Spring community of practice"}),
    # Room 1 has an open "one more minute" already: a "done" is what is left to ask.
    "POST /api/asks": Rest(body=lambda _: {"kind": "done"}, state="running"),
    "POST /api/asks/{ask_id}/answer": Rest(
        ids=lambda w: {"ask_id": w.ask_id}, body=lambda _: {"accept": True}, state="running"
    ),
}


def credentials(world: World, principal: str) -> dict[str, str]:
    if principal == "none":
        return {}
    if principal == "admn":
        return {"X-Admin-Key": ADMIN_KEY}
    token = JUNK_TOKEN if principal == "junk" else world.tokens[principal]
    return {"Authorization": f"Bearer {token}"}


def rest_caller(http: httpx.AsyncClient) -> Perform:
    async def perform(world: World, row: str, principal: str) -> Answer:
        call = REST_CALLS[row]
        method, path = operation_of(row).split(" ")
        headers = credentials(world, principal)
        params: dict[str, str | int] = dict(call.query(world)) if call.query else {}
        if principal == "admn" and path.startswith(
            ("/api/links", "/api/event/delete", "/api/report", "/api/rooms/group")
        ):
            params["event_id"] = world.event_a  # how the admin key names the event
        content: bytes | None = None
        if call.csv is not None:
            content, headers["Content-Type"] = call.csv.encode(), "text/csv"
        response = await http.request(
            method,
            path.format(**call.ids(world)) if call.ids else path,
            headers=headers,
            params=params,
            json=call.body(world) if call.body else None,
            content=content,
        )
        status = str(response.status_code)
        if response.status_code < 400:
            return Answer((status, None))
        error = response.json()["error"]
        return Answer((status, error["code"]), error["message"])

    return perform


# -- websocket -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """The rest of a message (past its type and request_id), and the world's state."""

    body: Callable[[World], dict[str, object]] = lambda _: {}
    state: State = "setup"
    changes: bool = True


WS_CALLS: dict[str, Frame] = {
    "clock.ping": Frame(lambda w: {"client_time": w.now * 1000 + 0.5}, changes=False),
    "snapshot.request": Frame(changes=False),
    "room.command": Frame(lambda w: {"room_id": w.room1, "action": "start", "expected_version": 0}),
    "event.start_all": Frame(),
    "event.pause_all": Frame(state="running"),
    "event.resume_all": Frame(state="paused"),
    "event.fit_to_time": Frame(
        lambda w: {"target": (w.now + 1800) * 1000.0, "minimum_seconds": 30}, state="running"
    ),
    "event.recall": Frame(lambda _: {"seconds": 30}, state="running"),
    "broadcast.send": Frame(
        lambda w: {"text": "Five minutes left in this phase", "room_id": w.room1}
    ),
    "help.request": Frame(lambda _: {"message": "Our presenting team lost its audio"}),
    "help.claim": Frame(lambda w: {"help_id": w.help_id, "expected_version": 0}),
    "help.resolve": Frame(lambda w: {"help_id": w.help_id, "expected_version": 0}),
    "consent.give": Frame(changes=False),
    "note.save": Frame(lambda _: NOTE),
    "feedback.save": Frame(lambda _: FEEDBACK, state="finished"),
    "room.ask": Frame(lambda _: {"kind": "done"}, state="running"),
    "room.answer": Frame(lambda w: {"ask_id": w.ask_id, "accept": True}, state="running"),
    "presence.name": Frame(lambda _: {"name": "Ana Lima"}, changes=False),
}

REQUEST_ID = "matrix-cell"


def ws_caller(server: LiveServer) -> Perform:
    async def receive(connection: Any) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(connection.recv(), WAIT))
        return message

    async def perform(world: World, row: str, principal: str) -> Answer:
        url = server.base_url.replace("http://", "ws://") + "/ws"
        if principal == "junk":
            url += f"?token={JUNK_TOKEN}"
        elif principal in world.tokens:
            url += f"?token={world.tokens[principal]}"
        headers = {"X-Admin-Key": ADMIN_KEY} if principal == "admn" else None
        async with connect(
            url, additional_headers=headers, compression=None, max_queue=None
        ) as connection:
            first = await receive(connection)
            if first["type"] == "error":  # the handshake's refusal, then the close
                try:
                    while True:
                        await receive(connection)
                except ConnectionClosed as closed:
                    code = closed.rcvd.code if closed.rcvd is not None else None
                return Answer((f"closed {code}", first["code"]), first["message"])
            assert first["type"] == "snapshot", first
            message = {"type": row, "request_id": REQUEST_ID, **WS_CALLS[row].body(world)}
            await connection.send(json.dumps(message))
            reply = await receive(connection)
            while reply.get("request_id") != REQUEST_ID:
                reply = await receive(connection)
        if reply["type"] == "error":
            return Answer(("error", reply["code"]), reply["message"])
        if reply["type"] == "command.ok" and reply["detail"]["kind"] != row:
            return Answer(("command.ok", f"detail.kind {reply['detail']['kind']}"))
        return Answer((reply["type"], None))

    return perform


# -- the tests -------------------------------------------------------------------------


def test_the_tables_cover_every_rest_operation_and_every_websocket_message(
    tmp_path: Path,
) -> None:
    app = create_app(make_settings(tmp_path / "routes.db"))
    served = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert {operation_of(row) for row in REST_TABLE} == served
    assert set(REST_CALLS) == set(REST_TABLE)
    members = typing.get_args(typing.get_args(ClientMessage)[0])
    message_types = {typing.get_args(model.model_fields["type"].annotation)[0] for model in members}
    assert set(WS_TABLE) == message_types
    assert set(WS_CALLS) == set(WS_TABLE)


def settings_for(database: Path) -> Settings:
    return make_settings(database, link_grace_hours=GRACE_HOURS)


async def test_every_rest_operation_against_every_caller(tmp_path: Path) -> None:
    failures: list[str] = []
    database = tmp_path / "rest.db"
    async with (
        running_server(settings_for(database), FakeClock()) as server,
        server.http() as http,
    ):
        perform = rest_caller(http)
        for row, cells in REST_TABLE.items():
            call = REST_CALLS[row]
            await check_row(
                server, database, row, cells, call.state, call.changes, perform, failures
            )
    assert not failures, "\n".join(failures)


async def test_every_websocket_message_against_every_caller(tmp_path: Path) -> None:
    failures: list[str] = []
    database = tmp_path / "ws.db"
    async with running_server(settings_for(database), FakeClock()) as server:
        perform = ws_caller(server)
        for row, cells in WS_TABLE.items():
            frame = WS_CALLS[row]
            await check_row(
                server, database, row, cells, frame.state, frame.changes, perform, failures
            )
    assert not failures, "\n".join(failures)
