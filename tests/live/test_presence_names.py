"""Presence carries the name each person gives on their page (``presence.name``) and each
connection's clock quality (the offset and round trip its ``clock.ping`` carries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.wire.messages import PERSON_NAME_MAX_CHARS
from tests.fakes import FakeClock
from tests.live.harness import Client, client, make_settings, running_server, set_up_event


def member_in(message: dict[str, Any], room_id: str) -> dict[str, Any] | None:
    """The one member a presence message of ``room_id`` shows, if it is one."""
    if message["type"] != "presence.updated" or message["room_id"] != room_id:
        return None
    members = [person for person in message["people"] if person["role"] == "member"]
    return members[0] if len(members) == 1 else None


async def reply_to(person: Client, request_id: str) -> dict[str, Any]:
    return await person.wait_for(lambda m: m.get("request_id") == request_id)


async def names_shown(uber: Client, names: list[str]) -> None:
    """Wait for a presence message showing exactly these names."""
    await uber.wait_for(
        lambda m: m["type"] == "presence.updated" and [p["name"] for p in m["people"]] == names
    )


def shown_of(person: dict[str, Any]) -> tuple[str, float | None, float | None]:
    return person["name"], person["offset_ms"], person["round_trip_ms"]


async def presence_until(uber: Client, room_id: str, **shown: Any) -> dict[str, Any]:
    """Wait for a presence message showing the room's member with ``shown``; returns them."""
    message = await uber.wait_for(
        lambda m: (
            (person := member_in(m, room_id)) is not None
            and all(person[key] == value for key, value in shown.items())
        )
    )
    person = member_in(message, room_id)
    assert person is not None
    return person


async def test_a_given_name_and_clock_quality_show_in_the_uber_s_presence(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.uber) as uber, client(server, setup.members[0][0]) as ana:
            await uber.wait_type("snapshot")
            await ana.wait_type("snapshot")
            joined = await presence_until(uber, room_id)
            assert shown_of(joined) == ("", None, None)

            await ana.send({"type": "presence.name", "name": "  Ana \t  Lima ", "request_id": "n1"})
            ok = await reply_to(ana, "n1")
            assert ok["type"] == "command.ok"
            assert ok["detail"] == {"kind": "presence.name", "name": "Ana Lima"}
            await presence_until(uber, room_id, name="Ana Lima")

            # A ping with no clock report still works and changes nothing.
            await ana.send({"type": "clock.ping", "client_time": 1000.0, "request_id": "p1"})
            pong = await reply_to(ana, "p1")
            assert (pong["type"], pong["client_time"]) == ("clock.pong", 1000.0)
            await uber.send({"type": "snapshot.request", "request_id": "s1"})
            snapshot = await reply_to(uber, "s1")
            [shown] = snapshot["presence"][room_id]
            assert shown_of(shown) == ("Ana Lima", None, None)

            clock = {"offset_ms": -12.5, "round_trip_ms": 38}
            await ana.send({"type": "clock.ping", "client_time": 1.5, "request_id": "p2", **clock})
            pong = await reply_to(ana, "p2")
            assert pong["type"] == "clock.pong"
            person = await presence_until(uber, room_id, offset_ms=-12.5, round_trip_ms=38.0)
            assert person["name"] == "Ana Lima"


async def test_a_bad_name_is_refused_naming_the_field_and_changes_nothing(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.uber) as uber, client(server, setup.members[0][0]) as ana:
            await uber.wait_type("snapshot")
            await ana.wait_type("snapshot")
            await ana.send({"type": "presence.name", "name": "Ana"})
            await presence_until(uber, room_id, name="Ana")
            seen = len(uber.received)

            # (the name sent, what the error says, the field it names)
            bad: list[tuple[object, str, str]] = [
                ("x" * (PERSON_NAME_MAX_CHARS + 1), "at most 60 characters", "presence.name.name"),
                (5, "valid string", "presence.name.name"),
                (None, "valid string", "presence.name.name"),
                ("Ana\u0000", "name holds a NUL", "presence.name"),
            ]
            for index, (name, says, field) in enumerate(bad):
                request_id = f"bad{index}"
                await ana.send({"type": "presence.name", "name": name, "request_id": request_id})
                error = await reply_to(ana, request_id)
                assert (error["type"], error["code"]) == ("error", "message.invalid"), error
                assert error["field"] == field, error
                assert says in error["message"], error
            await ana.send({"type": "clock.ping", "client_time": 1.0, "offset_ms": "soon"})
            error = await ana.wait_type("error")
            assert error["field"] == "clock.ping.offset_ms"

            await uber.send({"type": "snapshot.request", "request_id": "s1"})
            snapshot = await reply_to(uber, "s1")
            [shown] = snapshot["presence"][room_id]
            assert shown_of(shown) == ("Ana", None, None)

            # An empty name clears it; no presence message came in between.
            await ana.send({"type": "presence.name", "name": "", "request_id": "clear"})
            ok = await reply_to(ana, "clear")
            assert ok["detail"] == {"kind": "presence.name", "name": ""}
            await presence_until(uber, room_id, name="")
            between = [m for m in uber.received[seen:-1] if m["type"] == "presence.updated"]
            assert between == [], between


async def test_a_name_lasts_for_its_connection_and_every_access_may_give_one(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.uber) as uber:
            await uber.wait_type("snapshot")
            tokens = [setup.moderators[0], setup.observers[0], setup.members[0][1], setup.uber]
            for index, token in enumerate(tokens):
                async with client(server, token) as person:
                    await person.wait_type("snapshot")
                    await person.send(
                        {"type": "presence.name", "name": f"Person {index}", "request_id": "n"}
                    )
                    ok = await reply_to(person, "n")
                    assert ok["type"] == "command.ok", ok
                    assert ok["detail"]["name"] == f"Person {index}"
                    if token != setup.uber:  # an uber is in no room's presence
                        await names_shown(uber, [f"Person {index}"])
            await uber.wait_for(lambda m: m["type"] == "presence.updated" and not m["people"])
            async with client(server, setup.members[0][1]) as again:
                await again.wait_type("snapshot")
                shown = await presence_until(uber, room_id)
                assert shown["name"] == "", "a new connection starts without a name"
