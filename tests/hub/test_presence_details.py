"""What a person says of themselves in presence: their given name, and their page's clock
quality, which changes presence only when it is news; both cross processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from starlette.websockets import WebSocket

from server.backplane import MemoryBackplane
from server.hub import Connection, Hub
from server.hub.presence import clock_news, tidy_name
from server.wire.messages import PersonView
from tests.live.harness import WAIT


@dataclass(frozen=True)
class Person:
    label: str
    room_id: str | None = "r1"
    event_id: str = "e1"
    access: str = "member"
    team_id: str | None = "t1"
    link_id: str = "l1"
    expires_at: float = float("inf")


class Socket:
    """Just enough of a websocket for a connection: what is sent to it is kept in order."""

    def __init__(self) -> None:
        self.scope: dict[str, Any] = {}
        self.sent: asyncio.Queue[str] = asyncio.Queue()

    async def send_text(self, text: str) -> None:
        self.sent.put_nowait(text)


def connection_of(person: Person) -> Connection:
    return Connection(cast(WebSocket, Socket()), person, queue_size=1000)


async def presence_seen(connection: Connection, room_id: str) -> list[PersonView]:
    """The people of the next presence message of ``room_id`` that ``connection`` gets."""
    socket = cast(Socket, connection.websocket)
    async with asyncio.timeout(WAIT):
        while True:
            message = json.loads(await socket.sent.get())
            if message["type"] == "presence.updated" and message["room_id"] == room_id:
                return [PersonView.model_validate(person) for person in message["people"]]


@asynccontextmanager
async def hubs(count: int) -> AsyncIterator[list[Hub]]:
    """``count`` hubs, as if of as many processes, on one backplane."""
    backplane = MemoryBackplane(capacity=1000)
    await backplane.connect()
    made = [Hub(backplane) for _ in range(count)]
    try:
        yield made
    finally:
        for hub in made:
            await hub.close()
        await backplane.disconnect()


def test_a_given_name_is_trimmed_and_its_inner_whitespace_made_one_space() -> None:
    assert tidy_name("  Ana \t  Lima\n") == "Ana Lima"
    assert tidy_name("   ") == ""
    assert tidy_name("Bo") == "Bo"


def test_clock_news_is_a_first_report_or_a_move_past_the_steps() -> None:
    assert clock_news(None, None, 5.0, None), "a first offset"
    assert clock_news(5.0, None, None, 40.0), "a first round trip"
    assert not clock_news(None, None, None, None), "a ping that says nothing"
    assert not clock_news(5.0, 40.0, 29.9, 40.0), "the offset moved by less than 25 ms"
    assert clock_news(5.0, 40.0, 30.0, 40.0)
    assert clock_news(5.0, 40.0, -20.0, 40.0), "either way"
    assert not clock_news(5.0, 40.0, 5.0, 89.0), "49 ms more round trip"
    assert clock_news(5.0, 40.0, 5.0, 90.0), "50 ms and 125% more"
    assert not clock_news(5.0, 300.0, 5.0, 360.0), "60 ms but only 20% more"
    assert clock_news(5.0, 300.0, 5.0, 140.0), "160 ms and 53% less"


async def test_small_clock_changes_leave_presence_alone_and_a_large_one_marks_it() -> None:
    async with hubs(1) as (hub,):
        connection = connection_of(Person("Ana"))
        dirty = hub._presence_dirty  # the rooms whose presence goes out at the next flush

        def marked() -> bool:
            was = bool(dirty)
            dirty.clear()
            return was

        hub.describe(connection, offset_ms=None, round_trip_ms=None)
        assert not marked(), "a ping with nothing to say"
        hub.describe(connection, offset_ms=12.0, round_trip_ms=40.0)
        assert marked(), "the first report"
        assert (connection.offset_ms, connection.round_trip_ms) == (12.0, 40.0)
        for offset, round_trip in [(20.0, 44.0), (-8.0, 60.0), (30.0, 85.0)]:
            hub.describe(connection, offset_ms=offset, round_trip_ms=round_trip)
            assert not marked(), (offset, round_trip)
        assert (connection.offset_ms, connection.round_trip_ms) == (12.0, 40.0), (
            "presence shows what it was last told"
        )
        hub.describe(connection, offset_ms=37.0, round_trip_ms=41.0)
        assert marked(), "the offset moved by 25 ms from what presence shows"
        assert (connection.offset_ms, connection.round_trip_ms) == (37.0, 41.0)
        hub.describe(connection, offset_ms=37.0, round_trip_ms=400.0)
        assert marked(), "the round trip grew tenfold"
        hub.describe(connection, name="Ana")
        assert marked(), "a name, always"
        hub.describe(connection, name="Ana")
        assert marked()
        assert dirty == set()
        hub.describe(connection_of(Person("Uber", room_id=None, access="uber")), name="U")
        assert not marked(), "an uber is in no room's presence"


async def test_names_and_clock_quality_reach_another_process_s_presence() -> None:
    async with hubs(2) as (here, there):
        ana = connection_of(Person("Member 1"))
        watcher = connection_of(Person("Uber", room_id=None, access="uber", link_id="l2"))
        await here.join(ana)
        await there.join(watcher)
        watcher.go_live()
        here.describe(ana, name="  Ana   Lima ")
        here.describe(ana, offset_ms=-3.5, round_trip_ms=42.0)
        expected = PersonView(
            role="member",
            label="Member 1",
            team_id="t1",
            name="Ana Lima",
            offset_ms=-3.5,
            round_trip_ms=42.0,
        )
        # The other process may first answer the new one's query with Ana as she joined.
        joined = PersonView(role="member", label="Member 1", team_id="t1")
        while (people := await presence_seen(watcher, "r1")) != [expected]:
            assert people == [joined], people
        assert here.presence("e1", "r1") == {"r1": [expected]}
        assert there.presence("e1", "r1") == {"r1": [expected]}

        here.describe(ana, name="")
        cleared = expected.model_copy(update={"name": ""})
        assert await presence_seen(watcher, "r1") == [cleared], "the clock is kept"
        await here.leave(ana)
        await there.leave(watcher)
