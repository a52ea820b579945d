"""Final thoughts summarised per room and for the event. Pure: no I/O, no clock.

Rules: every room of the event appears (a room nobody answered has zero
responses); a response counts once, in its room and round; an answer left empty
is counted as a response but not listed; answers are listed in the order they
were first given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from server.domain.records import Feedback


@dataclass
class RoomFeedback:
    room_id: str
    responses: int = 0
    by_round: dict[int, int] = field(default_factory=dict)
    most_useful: list[str] = field(default_factory=list)
    more_useful: list[str] = field(default_factory=list)


@dataclass
class EventFeedback:
    responses: int
    rooms_answered: int
    rooms: list[RoomFeedback]


def summarise(feedback: Iterable[Feedback], room_ids: Sequence[str]) -> EventFeedback:
    rooms = {room_id: RoomFeedback(room_id) for room_id in room_ids}
    for answers in sorted(feedback, key=lambda item: (item.created_at, item.id)):
        room = rooms.get(answers.room_id)
        if room is None:  # a room deleted since: not part of the event any more
            continue
        room.responses += 1
        room.by_round[answers.round_index] = room.by_round.get(answers.round_index, 0) + 1
        if answers.most_useful.strip():
            room.most_useful.append(answers.most_useful.strip())
        if answers.more_useful.strip():
            room.more_useful.append(answers.more_useful.strip())
    ordered = [rooms[room_id] for room_id in room_ids]
    return EventFeedback(
        responses=sum(room.responses for room in ordered),
        rooms_answered=sum(1 for room in ordered if room.responses),
        rooms=ordered,
    )
