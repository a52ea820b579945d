"""A room's participant asks for one more minute, or says the room is done; the room's
moderator or an uber moderator accepts or declines. Pure: no I/O, time is a parameter.

Rules:
- "One more minute" may be asked ``cap`` times per room and round (every ask
  counts, whatever its answer), and only once at a time: a second ask while
  one is open is refused, naming when the first was made.
- "We are done" may be said once at a time per room.
- Only an open request is answered; the answer is final. Accepting one more
  minute adds a minute to the phase, in the same change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

MORE_TIME_SECONDS = 60


class RequestKind(StrEnum):
    MORE_TIME = "more_time"
    DONE = "done"


class RequestStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class RoomRequest:
    id: str
    event_id: str
    room_id: str
    round_index: int
    phase_id: str
    kind: RequestKind
    status: RequestStatus
    link_id: str
    requested_by: str
    decided_by: str
    version: int
    created_at: float
    decided_at: float | None


class RequestRefused(Exception):
    """The ask or the answer is not possible now; the message says why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_ask(kind: RequestKind, this_round: Sequence[RoomRequest], cap: int) -> None:
    """Refuse an ask the rules do not allow, given the room's requests of this round."""
    same = [request for request in this_round if request.kind is kind]
    waiting = [request for request in same if request.status is RequestStatus.OPEN]
    if waiting:
        what = "one more minute" if kind is RequestKind.MORE_TIME else "the room is done"
        raise RequestRefused(
            f"{waiting[0].requested_by or 'someone'} already said {what}: the moderator "
            "has not answered yet",
            field="kind",
        )
    if kind is RequestKind.MORE_TIME and len(same) >= cap:
        raise RequestRefused(
            f"this room has asked for one more minute {len(same)} time(s) this round, the "
            f"most allowed: ask your moderator",
            field="kind",
        )


def answered(request: RoomRequest, *, accept: bool, by: str, now: float) -> RoomRequest:
    if request.status is not RequestStatus.OPEN:
        raise RequestRefused(
            f"this request was already {request.status.value} by {request.decided_by or 'someone'}"
        )
    return replace(
        request,
        status=RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED,
        decided_by=by,
        decided_at=now,
        version=request.version + 1,
    )
