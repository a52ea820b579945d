"""Snapshots: everything one caller may see, at one instant.

Rules: a caller sees its event, the rooms it may see (every room for an uber
moderator, else its own), the open help requests of those rooms, who is
connected to them, the protocol's timeline, and the server's time and clock
rate so it can render countdowns itself.

Caching, so that a connect storm does not become a database storm:
- A join token's principal is remembered once read (tokens never change).
- What a room's (or the whole event's) snapshot shows from the database is
  remembered for at most ``SNAPSHOT_TTL`` seconds and only while the event's
  generation is unchanged: the hub bumps it for every message of the event,
  so any change makes the next snapshot read afresh. A client that got a
  snapshot a moment before a change still receives that change, because it
  joined the hub before its snapshot was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.access import Principal
from server.errors import Unauthorized
from server.messages import EventView, HelpView, RoomView, Snapshot, YouView
from server.service.context import Context, require_event
from server.service.rooms import teams_of
from server.store import crud
from server.store.codec import state_from_json
from server.timeline import timeline
from server.views import event_view, help_view, room_view

SNAPSHOT_TTL = 1.0
"""Seconds a cached view may be reused (time-derived fields such as drift move)."""
PRINCIPAL_CACHE_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class _Views:
    generation: int
    made_at: float
    event: EventView
    rooms: list[RoomView]
    help: list[HelpView]


class Snapshots:
    def __init__(self, context: Context) -> None:
        self.context = context
        self._principals: dict[str, Principal] = {}
        self._views: dict[tuple[str, str | None], _Views] = {}
        self._timelines: dict[str, dict[str, Any]] = {}

    async def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise Unauthorized("a join token is needed: open the link you were given")
        token_hash = crud.hash_token(token)
        if (known := self._principals.get(token_hash)) is not None:
            return known
        async with self.context.sessions() as session:
            row = await crud.resolve_token(session, token=token)
        if row is None:
            raise Unauthorized("this join link is not valid: ask an uber moderator for a new one")
        access = row.role
        if access not in ("uber", "moderator", "member", "observer"):
            raise Unauthorized(f"this join link has an unknown role {access!r}")
        principal = Principal(
            access=access,  # type: ignore[arg-type]  # checked just above
            event_id=row.event_id,
            room_id=row.room_id,
            team_id=row.team_id,
            label=row.label,
        )
        if len(self._principals) >= PRINCIPAL_CACHE_SIZE:
            self._principals.clear()
        self._principals[token_hash] = principal
        return principal

    async def _load_views(self, principal: Principal, now: float) -> _Views:
        scope = None if principal.is_uber else principal.room_id
        key = (principal.event_id, scope)
        generation = self.context.hub.generation(principal.event_id)
        cached = self._views.get(key)
        if cached and cached.generation == generation and now - cached.made_at < SNAPSHOT_TTL:
            return cached
        async with self.context.sessions() as session:
            event = await require_event(session, principal.event_id)
            protocol = self.context.protocols.get(event.protocol_id)
            rows = [
                row
                for row in await crud.list_rooms(session, event_id=event.id)
                if principal.can_see_room(row.id)
            ]
            teams = await teams_of(session, rows)
            help_rows = [
                row
                for row in await crud.list_help_requests(session, event_id=event.id)
                if principal.can_see_room(row.room_id)
            ]
        views = _Views(
            generation=generation,
            made_at=now,
            event=event_view(event),
            rooms=[
                room_view(
                    protocol=protocol,
                    row=row,
                    state=state_from_json(row.state_json),
                    teams=teams,
                    event=event,
                    now=now,
                )
                for row in rows
            ],
            help=[help_view(row) for row in help_rows],
        )
        self._views[key] = views
        return views

    def _timeline(self, protocol_id: str) -> dict[str, Any]:
        if protocol_id not in self._timelines:
            self._timelines[protocol_id] = timeline(self.context.protocols.get(protocol_id))
        return self._timelines[protocol_id]

    async def snapshot(self, principal: Principal) -> Snapshot:
        context = self.context
        now = context.clock.now()
        views = await self._load_views(principal, now)
        presence = {
            room_id: people
            for room_id, people in context.hub.presence(principal.event_id).items()
            if principal.can_see_room(room_id)
        }
        return Snapshot(
            server_time=now * 1000,
            clock_rate=context.clock.rate,
            you=YouView(
                access=principal.access,
                label=principal.label,
                room_id=principal.room_id,
                team_id=principal.team_id,
            ),
            event=views.event,
            rooms=views.rooms,
            protocol=self._timeline(views.event.protocol_id),
            help=views.help,
            presence=presence,
        )
