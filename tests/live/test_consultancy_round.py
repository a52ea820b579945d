"""A whole two-round consultancy in one room, driven through websockets with a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fakes import FakeClock
from tests.live.harness import client, make_settings, running_server, set_up_event

PHASES = [
    ("explanation", 180),
    ("clarification", 180),
    ("collaborative-inquiry", 480),
    ("reflective-response", 480),
    ("final-thoughts", 180),
]


def running_phase(phase_id: str, round_index: int) -> Callable[[dict[str, Any]], bool]:
    def matches(message: dict[str, Any]) -> bool:
        room = message.get("room", {})
        return bool(
            message["type"] == "room.updated"
            and room["phase_id"] == phase_id
            and room["round_index"] == round_index
            and room["status"] == "running"
        )

    return matches


async def test_every_client_sees_every_phase_in_order_with_the_right_deadlines(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "c.db"), clock) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with (
            client(server, setup.moderators[0]) as moderator,
            client(server, setup.members[0][0]) as team_a,
            client(server, setup.members[0][1]) as team_b,
            client(server, setup.observers[0]) as observer,
        ):
            everyone = [moderator, team_a, team_b, observer]
            for person in everyone:
                snapshot = await person.wait_type("snapshot")
                assert [room["id"] for room in snapshot["rooms"]] == [room_id]
                assert snapshot["rooms"][0]["status"] == "not_started"
                assert abs(snapshot["server_time"] - clock.now() * 1000) < 1

            t0 = clock.now()
            await moderator.send(
                {
                    "type": "room.command",
                    "room_id": room_id,
                    "action": "start",
                    "expected_version": 0,
                    "request_id": "r1",
                }
            )

            expected_start = t0
            seen_roles: list[list[str]] = []
            for round_index in range(2):
                for phase_id, seconds in PHASES:
                    deadline_ms = (expected_start + seconds) * 1000
                    for person in everyone:
                        update = await person.wait_for(running_phase(phase_id, round_index))
                        assert update["room"]["deadline"] == deadline_ms
                        assert update["room"]["phase_started_at"] == expected_start * 1000
                    if phase_id == "explanation":
                        seen_roles.append([seat["role"] for seat in update["room"]["seats"]])
                    clock.advance(seconds)
                    expected_start += seconds
            for person in everyone:
                final = await person.wait_for(
                    lambda m: m["type"] == "room.updated" and m["room"]["status"] == "finished"
                )
                assert final["room"]["projected_end"] == (t0 + 50 * 60) * 1000
            assert seen_roles == [["presenting", "inquiry"], ["inquiry", "presenting"]]
            # Versions only grow by one per change: no client saw a gap.
            versions = [
                m["room"]["version"] for m in team_a.received if m["type"] == "room.updated"
            ]
            assert versions == list(range(versions[0], versions[0] + len(versions)))
