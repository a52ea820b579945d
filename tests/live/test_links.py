"""Links you can manage: listed, revoked, rotated, expiring with their event, and uber
links made only by the admin key or an uber link allowed to."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import (
    ADMIN_KEY,
    LiveServer,
    client,
    make_settings,
    running_server,
    set_up_event,
    token_of,
)

ADMIN = {"X-Admin-Key": ADMIN_KEY}


async def links_of(server: LiveServer, uber: str) -> dict[str, dict[str, Any]]:
    async with server.http(uber) as http:
        response = await http.get("/api/links")
    assert response.status_code == 200, response.text
    return {link["id"]: link for link in response.json()}


async def link_id_of(server: LiveServer, uber: str, token: str) -> str:
    """The id of the link a token belongs to (as its holder's principal knows it)."""
    principal = await server.services.principals.authenticate(token)
    return principal.link_id


async def _read_forever(connection: Any, into: list[Any]) -> None:
    while True:
        into.append(await connection.recv())


async def closed_within(connection: Any, seconds: float) -> tuple[list[Any], int]:
    """Read until the server closes; the messages read and the close code."""
    messages: list[Any] = []
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(_read_forever(connection, messages), seconds)
    assert closed.value.rcvd is not None
    return messages, closed.value.rcvd.code


async def test_the_list_names_every_link_with_its_room_and_who_is_connected(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        links = await links_of(server, setup.uber)
        assert sorted(link["role"] for link in links.values()) == sorted(
            ["uber"] + ["moderator", "member", "member", "observer"] * 2
        )
        member_id = await link_id_of(server, setup.uber, setup.members[1][0])
        member = links[member_id]
        assert member["room_id"] == setup.rooms[1]["id"]
        assert member["room_label"] == setup.rooms[1]["label"]
        assert member["team_name"] == "Team 2A"
        assert member["status"] == "live"
        assert member["connected"] is False
        assert member["revoked_at"] is None
        assert member["expires_at"] > member["created_at"]
        assert "url" not in member  # a link's URL is shown once, when made
        async with client(server, setup.members[1][0]) as person:
            await person.wait_type("snapshot")
            await server.services.sightings.flush()
            now_connected = (await links_of(server, setup.uber))[member_id]
            assert now_connected["connected"] is True
            assert now_connected["last_seen_at"] == pytest.approx(server.clock.now() * 1000)
        await asyncio.sleep(0.05)  # the endpoint's own finally runs after the close
        await server.services.sightings.flush()
        assert (await links_of(server, setup.uber))[member_id]["connected"] is False


async def test_a_revoked_link_stops_at_once_everywhere_and_says_why(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        token = setup.members[0][0]
        link_id = await link_id_of(server, setup.uber, token)
        async with (
            client(server, token) as revoked,
            client(server, setup.members[0][1]) as bystander,
        ):
            await revoked.wait_type("snapshot")
            await bystander.wait_type("snapshot")
            async with server.http(setup.uber) as http:
                started = time.monotonic()
                response = await http.post(f"/api/links/{link_id}/revoke")
                assert response.status_code == 200, response.text
                assert response.json() == {"revoked": [link_id], "kept": []}
            messages, code = await closed_within(revoked.connection, 1.0)
            assert time.monotonic() - started < 1.0
            assert code == 4401
            notice = [m for m in map(_json, messages) if m["type"] == "error"][-1]
            assert notice["code"] == "auth.revoked"
            assert "revoked by Uber moderator" in notice["message"]
            # Nobody else noticed: the bystander's connection carries on.
            await bystander.send({"type": "clock.ping", "client_time": 1})
            assert (await bystander.wait_type("clock.pong"))["client_time"] == 1
        async with server.http(token) as http:
            refused = await http.get("/api/me")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "auth.revoked"
        async with server.http() as http:
            page = await http.get(f"/j/{token}")
        assert page.status_code == 410
        assert "revoked" in page.text
        listed = (await links_of(server, setup.uber))[link_id]
        assert listed["status"] == "revoked"
        assert listed["revoked_by"] == "uber:Uber moderator"
        async with server.http(setup.uber) as http:
            again = await http.post(f"/api/links/{link_id}/revoke")
        assert again.status_code == 409
        assert "already revoked" in again.json()["error"]["message"]


def _json(text: Any) -> dict[str, Any]:
    import json

    value: dict[str, Any] = json.loads(text)
    return value


async def test_rotating_a_link_gives_the_same_person_a_new_one_and_ends_the_old(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        old_token = setup.moderators[0]
        old_id = await link_id_of(server, setup.uber, old_token)
        async with server.http(setup.uber) as http:
            rotated = await http.post(f"/api/links/{old_id}/rotate")
        assert rotated.status_code == 201, rotated.text
        new = rotated.json()
        assert new["replaces"] == old_id
        assert new["role"] == "moderator"
        assert new["room_id"] == setup.rooms[0]["id"]
        assert new["label"] == "Mod 0"
        async with server.http(old_token) as http:
            assert (await http.get("/api/me")).status_code == 401
        async with server.http(token_of(new["url"])) as http:
            me = await http.get("/api/me")
            assert me.status_code == 200
            assert me.json()["you"] == {
                "access": "moderator",
                "label": "Mod 0",
                "room_id": setup.rooms[0]["id"],
                "team_id": None,
                "consented": False,
            }
            started = await http.post(
                f"/api/rooms/{setup.rooms[0]['id']}/commands",
                json={"action": "start", "expected_version": 0},
            )
            assert started.status_code == 200
        listed = await links_of(server, setup.uber)
        assert listed[old_id]["replaced_by"] == new["id"]
        assert listed[new["id"]]["status"] == "live"


async def test_every_link_of_a_role_is_revoked_or_rotated_but_the_caller_s_own(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        async with server.http() as http:
            second = await http.post(
                "/api/links",
                params={"event_id": setup.event_id},
                headers=ADMIN,
                json={"role": "uber", "label": "Co-host", "may_mint_uber": True},
            )
        assert second.status_code == 201, second.text
        co_host = token_of(second.json()["url"])
        async with server.http(co_host) as http:
            rotated = await http.post("/api/links/rotate-role", json={"role": "member"})
            assert rotated.status_code == 201, rotated.text
            assert len(rotated.json()) == 4
            for token in (t for room in setup.members for t in room):
                assert (await http.get("/api/me", headers=_bearer(token))).status_code == 401
            revoked = await http.post("/api/links/revoke-role", json={"role": "uber"})
            assert revoked.status_code == 200, revoked.text
            assert revoked.json()["kept"] == [second.json()["id"]]
            assert len(revoked.json()["revoked"]) == 1
            assert (await http.get("/api/me", headers=_bearer(setup.uber))).status_code == 401
            assert (await http.get("/api/me")).status_code == 200
        for link in rotated.json():
            async with server.http(token_of(link["url"])) as http:
                assert (await http.get("/api/me")).status_code == 200


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_only_the_admin_key_or_an_allowed_uber_makes_uber_links(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http(setup.uber) as http:
            refused = await http.post("/api/links", json={"role": "uber", "label": "x"})
            assert refused.status_code == 403
            assert "admin key" in refused.json()["error"]["message"]
            grant = await http.post(
                "/api/links",
                json={"role": "moderator", "room_id": setup.rooms[0]["id"], "may_mint_uber": True},
            )
            assert grant.status_code == 422  # only an uber link has that right
            assert grant.json()["error"]["field"] == "moderator.may_mint_uber"
        async with server.http() as http:
            allowed = await http.post(
                "/api/links",
                params={"event_id": setup.event_id},
                headers=ADMIN,
                json={"role": "uber", "label": "Minting uber", "may_mint_uber": True},
            )
            assert allowed.status_code == 201, allowed.text
            no_event = await http.post("/api/links", headers=ADMIN, json={"role": "uber"})
            assert no_event.status_code == 422
            assert no_event.json()["error"]["field"] == "event_id"
            wrong_key = await http.post(
                "/api/links",
                params={"event_id": setup.event_id},
                headers={"X-Admin-Key": "nope"},
                json={"role": "uber"},
            )
            assert wrong_key.status_code == 401
        minting = token_of(allowed.json()["url"])
        async with server.http(minting) as http:
            made = await http.post("/api/links", json={"role": "uber", "label": "Third"})
            assert made.status_code == 201
            assert made.json()["may_mint_uber"] is False
            passing_on = await http.post(
                "/api/links", json={"role": "uber", "label": "Fourth", "may_mint_uber": True}
            )
            assert passing_on.status_code == 403
            own = await http.post(f"/api/links/{allowed.json()['id']}/revoke")
            assert own.status_code == 422
            assert "the link you are using" in own.json()["error"]["message"]
        first_uber_id = await link_id_of(server, setup.uber, setup.uber)
        third = token_of(made.json()["url"])
        async with server.http(third) as http:
            cannot = await http.post(f"/api/links/{first_uber_id}/revoke")
            assert cannot.status_code == 403


async def test_links_expire_with_their_event_and_open_connections_close(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = make_settings(tmp_path / "a.db", link_grace_hours=2)
    async with running_server(settings, clock) as server:
        setup = await set_up_event(server, minutes_until_main_room=90)
        async with client(server, setup.members[0][0]) as member:
            await member.wait_type("snapshot")
            clock.advance(90 * 60 + 2 * 3600 - 1)
            assert server.services.principals.end_expired() == 0
            async with server.http(setup.uber) as http:
                assert (await http.get("/api/me")).status_code == 200
            clock.advance(1)
            assert server.services.principals.end_expired() == 1
            messages, code = await closed_within(member.connection, 1.0)
            assert code == 4401
            assert _json(messages[-1])["code"] == "auth.expired"
        async with server.http(setup.uber) as http:
            expired = await http.get("/api/me")
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "auth.expired"
        assert "event is over" in expired.json()["error"]["message"]


async def test_two_uber_moderators_revoking_one_link_at_once_give_one_revocation(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http() as http:
            second = await http.post(
                "/api/links",
                params={"event_id": setup.event_id},
                headers=ADMIN,
                json={"role": "uber", "label": "Uber 2"},
            )
        ubers = [setup.uber, token_of(second.json()["url"])]
        for round_ in range(20):
            async with server.http(setup.uber) as http:
                made = await http.post(
                    "/api/links",
                    json={
                        "role": "observer",
                        "room_id": setup.rooms[0]["id"],
                        "label": f"{round_}",
                    },
                )
            link_id = made.json()["id"]
            clients = [server.http(uber) for uber in ubers]
            try:
                answers = await asyncio.gather(
                    *(
                        http.post(f"/api/links/{link_id}/{action}")
                        for http, action in zip(clients, ("revoke", "rotate"), strict=True)
                    )
                )
            finally:
                for http in clients:
                    await http.aclose()
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses in ([200, 409], [201, 409]), [a.text for a in answers]
            loser = next(answer for answer in answers if answer.status_code == 409)
            assert "already revoked" in loser.json()["error"]["message"]
            async with server.services.context.sessions() as session:
                log = await crud.read_log(session, event_id=setup.event_id)
            changes = [
                row
                for row in log
                if row.action in ("links.revoke", "links.rotate")
                and row.detail.get("link_id") == link_id
            ]
            assert len(changes) == 1


async def test_a_lost_revocation_message_still_arrives_through_the_watch(tmp_path: Path) -> None:
    """The database is the truth: a link revoked where no message reached this process
    (another program, a lost publish) is closed by the periodic check."""
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        token = setup.observers[0]
        link_id = await link_id_of(server, setup.uber, token)
        async with client(server, token) as observer:
            await observer.wait_type("snapshot")
            async with server.services.context.sessions() as session, session.begin():
                await crud.revoke_links(
                    session, link_ids=[link_id], now=server.clock.now(), by="admin"
                )
            await server.services.principals.catch_up()
            _, code = await closed_within(observer.connection, 1.0)
            assert code == 4401
        async with server.http(token) as http:
            assert (await http.get("/api/me")).status_code == 401
