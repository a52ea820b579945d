"""Snapshots: everything one caller may see, at one instant.

Rules: a caller sees its event, the rooms it may see (every room for an uber
moderator, else its own), the open help requests of those rooms, who is
connected to them, the protocol's timeline, and the server's time and clock
rate so it can render countdowns itself.

Caching, so that a connect storm does not become a database storm (the
callers' principals are remembered by ``server.service.principals``):
- Every room's view of an event (with its notes, filtered per caller) is read
  in one go and shared by every
  snapshot for at most ``SNAPSHOT_TTL`` seconds, and only while the event's
  generation is unchanged: the hub bumps it for every change of the event,
  so any change makes the next snapshot read afresh. A client that got a
  snapshot a moment before a change still receives that change, because it
  joined the hub before its snapshot was taken.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from server.access import Principal
from server.domain.records import Note
from server.errors import NotFound
from server.service.asks import ask_view
from server.service.context import Context
from server.service.feedback import feedback_view
from server.service.notes import note_view, visible_to
from server.service.setup_cache import SetupCache
from server.store import crud
from server.wire.messages import (
    AgendaView,
    AskView,
    EventView,
    FeedbackView,
    HelpView,
    NoteView,
    RoomView,
    Snapshot,
    YouView,
)
from server.wire.timeline import timeline
from server.wire.views import agenda_view, event_view, help_view, room_view

SNAPSHOT_TTL = 1.0
"""Seconds a cached view may be reused (time-derived fields such as drift move)."""


@dataclass(frozen=True, slots=True)
class _Views:
    generation: int
    made_at: float
    event: EventView
    rooms: list[RoomView]
    rooms_by_id: dict[str, RoomView]
    help: list[HelpView]
    notes_by_room: dict[str, list[tuple[Note, NoteView]]]
    """Each room's notes, with their views built once (a caller's filter is per room)."""
    feedback: list[FeedbackView]
    feedback_by_link: dict[str, list[FeedbackView]]
    asks: list[AskView]
    asks_by_room: dict[str, list[AskView]]
    consented: set[str]
    """The links of the event whose holders accepted the notice on notes."""
    agenda: AgendaView | None


class Snapshots:
    def __init__(self, context: Context, setups: SetupCache) -> None:
        self.context = context
        self.setups = setups
        self._views: dict[str, _Views] = {}
        self._loading: dict[str, asyncio.Future[_Views]] = {}
        self._timelines: dict[str, dict[str, Any]] = {}

    async def _load_views(self, event_id: str, now: float) -> _Views:
        """Every room's view of an event, read at once and shared while fresh."""
        generation = self.context.hub.generation(event_id)
        cached = self._views.get(event_id)
        if cached and cached.generation == generation and now - cached.made_at < SNAPSHOT_TTL:
            return cached
        # Single flight: callers arriving during a load share it instead of
        # each reading the whole event again.
        loading = self._loading.get(event_id)
        if loading is None or loading.done():
            loading = asyncio.ensure_future(self._read_views(event_id, generation, now))
            self._loading[event_id] = loading
        return await asyncio.shield(loading)

    async def _read_views(self, event_id: str, generation: int, now: float) -> _Views:
        async with self.context.sessions() as session:
            event, states = await crud.load_event_states(session, event_id=event_id)
            if event is None:
                raise NotFound(f"no event with id {event_id!r}")
            loaded = await self.setups.loaded(
                session,
                {event_id: event},
                {room_id: (event_id, state) for room_id, state in states.items()},
            )
            help_requests = await crud.list_help_requests(session, event_id=event_id)
            notes = await crud.list_notes(session, event_id=event_id)
            feedback = await crud.list_feedback(session, event_id=event_id)
            asks = await crud.list_room_requests(session, event_id=event_id)
            consented = await crud.consented_links(session, event_id=event_id)
            agenda = await crud.get_agenda(session, event_id=event_id)
        stored_rooms = sorted(
            loaded.rooms, key=lambda stored: (stored.room.position, stored.room.id)
        )
        rooms = [
            room_view(
                protocol=self.context.protocols.get(stored.state.protocol_id),
                room=stored.room,
                state=stored.state,
                teams=loaded.teams,
                scheduled_start=event.scheduled_start,
                now=now,
            )
            for stored in stored_rooms
        ]
        notes_by_room: dict[str, list[tuple[Note, NoteView]]] = {}
        for note in notes:
            notes_by_room.setdefault(note.room_id, []).append((note, note_view(note)))
        feedback_views = [feedback_view(answers) for answers in feedback]
        feedback_by_link: dict[str, list[FeedbackView]] = {}
        for answers, view in zip(feedback, feedback_views, strict=True):
            feedback_by_link.setdefault(answers.link_id, []).append(view)
        ask_views = [ask_view(ask) for ask in asks]
        asks_by_room: dict[str, list[AskView]] = {}
        for ask in ask_views:
            asks_by_room.setdefault(ask.room_id, []).append(ask)
        views = _Views(
            generation=generation,
            made_at=now,
            event=event_view(event),
            rooms=rooms,
            rooms_by_id={room.id: room for room in rooms},
            help=[help_view(request) for request in help_requests],
            notes_by_room=notes_by_room,
            feedback=feedback_views,
            feedback_by_link=feedback_by_link,
            asks=ask_views,
            asks_by_room=asks_by_room,
            consented=consented,
            agenda=None if agenda is None else agenda_view(agenda, event, now),
        )
        self._views[event_id] = views
        return views

    def _timeline(self, protocol_id: str) -> dict[str, Any]:
        if protocol_id not in self._timelines:
            self._timelines[protocol_id] = timeline(self.context.protocols.get(protocol_id))
        return self._timelines[protocol_id]

    async def snapshot(self, principal: Principal) -> Snapshot:
        context = self.context
        now = context.clock.now()
        views = await self._load_views(principal.event_id, now)
        scope = None if principal.is_uber else principal.room_id or ""
        presence = context.hub.presence(principal.event_id, scope)
        rooms = views.rooms if scope is None else _only(views.rooms_by_id.get(scope))
        return Snapshot(
            server_time=now * 1000,
            clock_rate=context.clock.rate,
            you=YouView(
                access=principal.access,
                label=principal.label,
                room_id=principal.room_id,
                team_id=principal.team_id,
                consented=principal.link_id in views.consented,
            ),
            event=views.event,
            rooms=rooms,
            protocol=self._timeline(views.event.protocol_id),
            protocols={
                protocol_id: self._timeline(protocol_id)
                for protocol_id in sorted({room.protocol_id for room in rooms})
                if protocol_id != views.event.protocol_id
            },
            help=[item for item in views.help if principal.can_see_room(item.room_id)],
            presence=presence,
            notes=[
                view
                for note, view in views.notes_by_room.get(principal.room_id or "", ())
                if visible_to(note, principal)
            ],
            asks=views.asks if scope is None else views.asks_by_room.get(scope, []),
            agenda=views.agenda,
            feedback=(
                views.feedback
                if principal.is_uber
                else views.feedback_by_link.get(principal.link_id, [])
            ),
        )


def _only(room: RoomView | None) -> list[RoomView]:
    return [] if room is None else [room]
