"""Notes: consent first; saved as typed, acknowledged after the commit; a team's second
device follows; private to the team until shared with the pair; never lost on a
reconnect or a killed server; another room never sees them; bad input refused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import (
    Client,
    LiveServer,
    client,
    make_settings,
    running_server,
    set_up_event,
    token_of,
)
from tests.live.processes import ADMIN_KEY, server_process

PHASE = "collaborative-inquiry"


def note(text: str, version: int, *, shared: bool = False, request_id: str = "n") -> dict[str, Any]:
    return {
        "type": "note.save",
        "request_id": request_id,
        "round_index": 0,
        "phase_id": PHASE,
        "text": text,
        "shared": shared,
        "expected_version": version,
    }


async def answer(person: Client, request_id: str) -> dict[str, Any]:
    return await person.wait_for(
        lambda m: m.get("request_id") == request_id and m["type"] in ("command.ok", "error")
    )


async def reply_to(socket: Any, request_id: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 5))
        if message.get("request_id") == request_id:
            return message


async def consent(person: Client) -> None:
    await person.send({"type": "consent.give", "request_id": "c"})
    assert (await answer(person, "c"))["type"] == "command.ok"


async def second_member_link(server: LiveServer, uber: str, room: dict[str, Any], seat: int) -> str:
    async with server.http(uber) as http:
        made = await http.post(
            "/api/links",
            json={
                "role": "member",
                "room_id": room["id"],
                "team_id": room["seats"][seat]["team_id"],
                "label": "Second device",
            },
        )
    return token_of(made.json()["url"])


async def test_a_team_s_note_follows_its_devices_and_reaches_the_pair_only_when_shared(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        room = setup.rooms[0]
        laptop_token, inquiry_token = setup.members[0]
        phone_token = await second_member_link(server, setup.uber, room, 0)
        async with (
            client(server, laptop_token) as laptop,
            client(server, phone_token) as phone,
            client(server, inquiry_token) as inquiry,
            client(server, setup.moderators[0]) as moderator,
            client(server, setup.observers[0]) as observer,
            client(server, setup.members[1][0]) as elsewhere,
            client(server, setup.uber) as uber,
        ):
            for person in (laptop, phone, inquiry, moderator, observer, elsewhere, uber):
                snapshot = await person.wait_type("snapshot")
                assert snapshot["notes"] == []
            assert snapshot["you"]["consented"] is False

            await laptop.send(note("Mentors", 0, request_id="n0"))
            refused = await answer(laptop, "n0")
            assert refused["code"] == "consent.needed"
            await consent(laptop)
            await laptop.send(note("Mentors' time", 0, request_id="n1"))
            saved = (await answer(laptop, "n1"))["detail"]["note"]
            assert saved["version"] == 1
            assert saved["owner"] == "team"
            assert saved["role"] == "presenting"
            followed = (await phone.wait_type("note.updated"))["note"]
            assert followed == saved

            await consent(phone)
            await phone.send(note("Mentors' time, and pay", 1, shared=True, request_id="n2"))
            shared = (await answer(phone, "n2"))["detail"]["note"]
            assert shared["shared"] is True
            assert (await laptop.wait_type("note.updated"))["note"]["version"] == 2
            for pair in (inquiry, moderator):
                seen = (await pair.wait_type("note.updated"))["note"]
                assert seen["text"] == "Mentors' time, and pay"

            await laptop.send(note("Private again", 1, request_id="n3"))  # stale: phone saved v2
            conflict = await answer(laptop, "n3")
            assert conflict["code"] == "conflict"
            await laptop.send(note("Private again", 2, request_id="n4"))
            assert (await answer(laptop, "n4"))["detail"]["note"]["shared"] is False
            withdrawn = (await inquiry.wait_type("note.updated"))["note"]
            assert withdrawn["shared"] is False
            assert withdrawn["text"] == ""

            # Observers, another room and the uber moderators saw none of it.
            await asyncio.sleep(0.1)
            for outsider in (observer, elsewhere, uber):
                assert not [m for m in outsider.received if m["type"] == "note.updated"]
                await outsider.send({"type": "snapshot.request", "request_id": "s"})
                assert (await outsider.wait_type("snapshot"))["notes"] == []
            await inquiry.send({"type": "snapshot.request", "request_id": "s"})
            assert (await inquiry.wait_type("snapshot"))["notes"] == []
            await phone.send({"type": "snapshot.request", "request_id": "s"})
            again = await phone.wait_type("snapshot")
            assert [n["text"] for n in again["notes"]] == ["Private again"]
            assert again["you"]["consented"] is True

        async with server.services.context.sessions() as session:
            log = await crud.read_log(session, event_id=setup.event_id)
        saves = [row for row in log if row.action == "note.save"]
        assert [(row.version_before, row.version_after) for row in saves] == [
            (0, 1),
            (1, 2),
            (2, 3),
        ]
        assert all("text" not in row.detail for row in saves)  # the log keeps lengths only


async def test_two_devices_saving_at_once_store_one_and_refuse_the_other(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room = setup.rooms[0]
        phone_token = await second_member_link(server, setup.uber, room, 0)
        async with (
            client(server, setup.members[0][0]) as laptop,
            client(server, phone_token) as phone,
        ):
            for person in (laptop, phone):
                await person.wait_type("snapshot")
                await consent(person)
            for version in range(25):  # each round stores one save: the next starts there
                attempt = version
                await asyncio.gather(
                    laptop.send(note(f"laptop {attempt}", version, request_id=f"l{attempt}")),
                    phone.send(note(f"phone {attempt}", version, request_id=f"p{attempt}")),
                )
                answers = [await answer(laptop, f"l{attempt}"), await answer(phone, f"p{attempt}")]
                kinds = sorted(a["type"] for a in answers)
                assert kinds == ["command.ok", "error"], answers
                loser = next(a for a in answers if a["type"] == "error")
                assert loser["code"] == "conflict"
        async with server.services.context.sessions() as session:
            stored = await crud.list_notes(session, event_id=setup.event_id)
        assert [n.version for n in stored] == [25]


async def test_bad_notes_are_refused_naming_the_problem_and_change_nothing(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with client(server, setup.moderators[0]) as moderator:
            await moderator.wait_type("snapshot")
            await consent(moderator)
            oversized = note("x" * 20_001, 0, request_id="big")
            await moderator.send(oversized)
            assert (await answer(moderator, "big"))["code"] == "message.invalid"
            await moderator.send({**note("a", 0, request_id="ph"), "phase_id": "lunch"})
            refused = await answer(moderator, "ph")
            assert refused["code"] == "not_found"
            assert refused["field"] == "phase_id"
            await moderator.send({**note("a", 0, request_id="rd"), "round_index": 7})
            assert (await answer(moderator, "rd"))["field"] == "round_index"
            await moderator.send(note("a", 3, request_id="v"))
            assert (await answer(moderator, "v"))["code"] == "conflict"
        async with server.http(setup.uber) as http:
            await http.post("/api/consent")
            uber = await http.post(
                "/api/notes",
                json={"round_index": 0, "phase_id": PHASE, "text": "x", "expected_version": 0},
            )
            assert uber.status_code == 403
        async with server.services.context.sessions() as session:
            assert await crud.list_notes(session, event_id=setup.event_id) == []


async def test_an_acknowledged_note_survives_a_killed_server_and_a_reconnect(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'notes.db'}"
    async with server_process(database) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            event = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "Notes",
                    "scheduled_start": "2030-01-01T10:00:00Z",
                    "main_room_at": "2030-01-01T11:30:00Z",
                },
            )
            uber = {"Authorization": "Bearer " + token_of(event.json()["uber_link"]["url"])}
            teams = [
                (await http.post("/api/teams", headers=uber, json={"name": n})).json()["id"]
                for n in ("A", "B")
            ]
            room = (await http.post("/api/rooms", headers=uber, json={"team_ids": teams})).json()
            link = await http.post(
                "/api/links",
                headers=uber,
                json={"role": "member", "room_id": room["id"], "team_id": teams[0]},
            )
        token = token_of(link.json()["url"])
        url = server.base_url.replace("http://", "ws://") + f"/ws?token={token}"
        async with connect(url, compression=None) as socket:
            assert json.loads(await socket.recv())["type"] == "snapshot"
            await socket.send(json.dumps({"type": "consent.give", "request_id": "c"}))
            assert (await reply_to(socket, "c"))["type"] == "command.ok"
            await socket.send(json.dumps(note("Kept through a crash", 0, request_id="k")))
            acknowledged = await reply_to(socket, "k")
            assert acknowledged["type"] == "command.ok"
            # The moment it is acknowledged, the server dies without a goodbye.
            server.process.kill()
            server.process.wait()
    async with server_process(database) as restarted:
        async with httpx.AsyncClient(base_url=restarted.base_url, timeout=10) as http:
            me = await http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert [n["text"] for n in me.json()["notes"]] == ["Kept through a crash"]
        assert me.json()["notes"][0]["version"] == acknowledged["detail"]["note"]["version"]
