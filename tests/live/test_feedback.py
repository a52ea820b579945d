"""Final thoughts: open in the round's last phase, one set of answers per person and
round, reaching every uber moderator live; the summary adds them up per room."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import LiveServer, client, make_settings, running_server, set_up_event
from tests.live.test_notes import answer, consent


def answers(round_index: int, most: str, more: str, version: int, rid: str) -> dict[str, Any]:
    return {
        "type": "feedback.save",
        "request_id": rid,
        "round_index": round_index,
        "most_useful": most,
        "more_useful": more,
        "expected_version": version,
    }


async def to_final_thoughts(server: LiveServer, uber: str, room_id: str) -> None:
    async with server.http(uber) as http:
        for step in range(5):
            room = (await http.get("/api/me")).json()["rooms"]
            version = next(r for r in room if r["id"] == room_id)["version"]
            made = await http.post(
                f"/api/rooms/{room_id}/commands",
                json={"action": "start" if step == 0 else "next", "expected_version": version},
            )
            assert made.status_code == 200, made.text


async def test_final_thoughts_open_in_the_last_phase_and_reach_the_ubers(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "a.db"), clock) as server:
        setup = await set_up_event(server, rooms=2)
        room_id = setup.rooms[0]["id"]
        async with (
            client(server, setup.members[0][0]) as presenting,
            client(server, setup.members[0][1]) as inquiry,
            client(server, setup.uber) as uber,
        ):
            for person in (presenting, inquiry, uber):
                await person.wait_type("snapshot")
            await consent(presenting)
            await presenting.send(answers(0, "a", "b", 0, "early"))
            early = await answer(presenting, "early")
            assert early["code"] == "conflict"
            assert "open in its last phase (Final thoughts)" in early["message"]

            await to_final_thoughts(server, setup.uber, room_id)
            await inquiry.send(answers(0, "x", "y", 0, "noconsent"))
            assert (await answer(inquiry, "noconsent"))["code"] == "consent.needed"
            await presenting.send(answers(0, "Their questions on mentoring", "", 0, "p1"))
            saved = (await answer(presenting, "p1"))["detail"]["feedback"]
            assert saved["role"] == "presenting"
            assert saved["version"] == 1
            heard = (await uber.wait_type("feedback.updated"))["feedback"]
            assert heard == saved
            await consent(inquiry)
            clock.advance(1)  # a second later: listed after the presenting team's
            await inquiry.send(answers(0, "Hearing the plan", "More time", 0, "i1"))
            await answer(inquiry, "i1")
            await presenting.send(answers(0, "Their questions", "A shorter explanation", 1, "p2"))
            assert (await answer(presenting, "p2"))["detail"]["feedback"]["version"] == 2
            await presenting.send(answers(0, "stale", "stale", 1, "p3"))
            assert (await answer(presenting, "p3"))["code"] == "conflict"
            await inquiry.send({"type": "snapshot.request", "request_id": "s"})
            own = (await inquiry.wait_type("snapshot"))["feedback"]
            assert [f["most_useful"] for f in own] == ["Hearing the plan"]

        async with server.http(setup.uber) as http:
            summary = (await http.get("/api/feedback/summary")).json()
            snapshot = (await http.get("/api/me")).json()
        assert summary["responses"] == 2
        assert summary["rooms_answered"] == 1
        first, second = summary["rooms"]
        assert first["room_id"] == room_id
        assert first["by_round"] == {"0": 2}
        assert first["most_useful"] == ["Their questions", "Hearing the plan"]
        assert first["more_useful"] == ["A shorter explanation", "More time"]
        assert second["responses"] == 0
        assert len(snapshot["feedback"]) == 2
        async with server.http(setup.members[0][0]) as http:
            refused = await http.get("/api/feedback/summary")
        assert refused.status_code == 403
        async with server.services.context.sessions() as session:
            log = await crud.read_log(session, event_id=setup.event_id)
        saves = [row for row in log if row.action == "feedback.save"]
        assert len(saves) == 3
        assert all("most_useful" not in row.detail for row in saves)
