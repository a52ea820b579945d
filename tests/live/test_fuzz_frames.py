"""10,000 bad or unexpected websocket frames from one client: every one is answered, with
an error naming the problem where it is one, the connection never drops, and nothing
stored changes.

The frames (seeded, so a failure replays): random bytes in binary frames, random text,
JSON that is not an object, deep nesting (up to 30,000 levels), huge numbers, a message
type spelled with lookalike letters, every message type with one field made wrong,
and well-formed commands an observer may not give.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tests.fakes import FakeClock
from tests.live.harness import client, make_settings, running_server, set_up_event

FRAMES = 10_000
BATCH = 200
ANSWERS = {"error", "clock.pong", "snapshot"}


def templates(room_id: str) -> list[dict[str, Any]]:
    """One well-formed message of every type a client may send."""
    return [
        {"type": "clock.ping", "client_time": 1.5},
        {"type": "snapshot.request"},
        {"type": "room.command", "room_id": room_id, "action": "next", "expected_version": 0},
        {"type": "event.start_all", "expected_version": 0},
        {"type": "event.pause_all"},
        {"type": "event.resume_all"},
        {"type": "event.fit_to_time", "minimum_seconds": 60},
        {"type": "event.recall", "seconds": 60},
        {"type": "broadcast.send", "text": "hello"},
        {"type": "help.request", "message": "help"},
        {"type": "help.claim", "help_id": "abc"},
        {"type": "help.resolve", "help_id": "abc"},
    ]


WRONG_VALUES: list[Any] = [
    None,
    True,
    -1,
    10**400,
    1e308,
    "",
    "x" * 9_000,  # over every field's limit, under the 64 KiB frame cap (a documented close)
    [],
    {},
    "\u202e",
    [[[[1]]]],
]


def frames(room_id: str, seed: int) -> list[str | bytes]:
    chooser = random.Random(seed)
    shapes = templates(room_id)
    made: list[str | bytes] = []
    for index in range(FRAMES):
        kind = index % 10
        if kind == 0:
            made.append(chooser.randbytes(chooser.randint(1, 200)))
        elif kind == 1:
            alphabet = '{}[]":,abc123 \\\n\u00e9\u4e2d\U0001f600'
            made.append("".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 80))))
        elif kind == 2:
            made.append(json.dumps(chooser.choice([1, "ping", [1, 2], None, 3.5, True])))
        elif kind == 3:
            depth = 30_000 if index % 1000 == 3 else chooser.randint(33, 2_000)
            made.append("[" * depth + "]" * depth)
        elif kind == 4:
            made.append('{"type": "clock.ping", "client_time": ' + "9" * 5_000 + "}")
        elif kind == 5:
            lookalike = chooser.choice(
                ["\u0441lock.ping", "room.c\u043emmand", "event.recal\u0406"]
            )
            made.append(json.dumps({"type": lookalike, "client_time": 1}))
        elif kind in (6, 7, 8):
            message = dict(chooser.choice(shapes))
            field = chooser.choice([*message, "unexpected"])
            if field == "type":
                message["type"] = chooser.choice(["", "ROOM.COMMAND", "room.command "])
            else:
                message[field] = chooser.choice(WRONG_VALUES)
            made.append(json.dumps(message))
        else:  # well-formed, but an observer may not do most of it
            made.append(json.dumps(chooser.choice(shapes)))
    return made


async def test_ten_thousand_fuzzed_frames_are_each_answered_and_change_nothing(
    tmp_path: Path,
) -> None:
    # The frame budget is tested on its own (test_concurrency_and_input.py): here every
    # frame must reach the parser.
    settings = make_settings(tmp_path / "fuzz.db", ws_burst=10_000, ws_frames_per_second=10_000)
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.observers[0]) as observer:
            before = await observer.wait_type("snapshot")
            sent = frames(room_id, seed=20261203)
            answers: list[dict[str, Any]] = []
            for start in range(0, len(sent), BATCH):
                batch = sent[start : start + BATCH]
                for frame in batch:
                    await observer.connection.send(frame)
                for _ in batch:
                    # Presence is told unasked (this observer's own arrival): not an answer.
                    answers.append(
                        await observer.wait_for(lambda m: m["type"] != "presence.updated")
                    )
            assert len(answers) == FRAMES
            assert {answer["type"] for answer in answers} <= ANSWERS
            errors = [answer for answer in answers if answer["type"] == "error"]
            assert len(errors) > 0.8 * FRAMES
            for error in errors:
                assert error["message"], error
                assert error["code"] in {"message.invalid", "auth.forbidden", "not_found"}, error
            # Still open, and nothing stored changed.
            await observer.send({"type": "snapshot.request", "request_id": "after"})
            after = await observer.wait_for(lambda message: message.get("request_id") == "after")
            assert after["rooms"] == before["rooms"]
            assert after["event"]["version"] == before["event"]["version"]
            assert after["help"] == before["help"] == []
