"""One room's ``room.updated`` message, built after the commit and only once.

Rule: a change records a ``RoomUpdate`` (the protocol, the room, its new state,
the transition, who made it), not a serialized message, so the transaction
stays short; after the commit the message is serialized once, the first time
it is asked for, and the same text goes to every process and client.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.domain import engine
from server.domain.protocol import Protocol
from server.domain.records import Event, Room, Team
from server.domain.state import RunState
from server.wire.messages import RoomUpdated, RoomView
from server.wire.views import room_view


class RoomUpdate:
    """One ``room.updated``: its view is built once, when first asked for (after the commit)."""

    __slots__ = (
        "_view",
        "actor",
        "event",
        "now",
        "protocol",
        "room",
        "state",
        "teams",
        "transition",
    )

    def __init__(
        self,
        protocol: Protocol,
        room: Room,
        state: RunState,
        transition: engine.Transition,
        actor: str,
        teams: Mapping[str, Team],
        event: Event,
        now: float,
    ) -> None:
        self.protocol = protocol
        self.room = room
        self.state = state
        self.transition = transition
        self.actor = actor
        self.teams = teams
        self.event = event
        self.now = now
        self._view: RoomView | None = None

    @property
    def view(self) -> RoomView:
        if self._view is None:
            self._view = room_view(
                protocol=self.protocol,
                room=self.room,
                state=self.state,
                teams=self.teams,
                scheduled_start=self.event.scheduled_start,
                now=self.now,
            )
        return self._view

    def __call__(self) -> str:
        message = RoomUpdated(
            room=self.view,
            events=[item.name for item in self.transition.events],
            actor=self.actor,
        )
        return message.model_dump_json()
