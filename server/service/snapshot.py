"""Snapshots: everything one caller may see, at one instant.

Rules: a caller sees its event, the rooms it may see (every room for an uber
moderator, else its own), the open help requests of those rooms, who is
connected to them, the protocol's timeline, and the server's time and clock
rate so it can render countdowns itself.
"""

from __future__ import annotations

from server.access import Principal
from server.errors import Unauthorized
from server.messages import Snapshot, YouView
from server.service.context import Context, require_event
from server.service.rooms import teams_of
from server.store import crud
from server.store.codec import state_from_json
from server.timeline import timeline
from server.views import event_view, help_view, room_view


class Snapshots:
    def __init__(self, context: Context) -> None:
        self.context = context

    async def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise Unauthorized("a join token is needed: open the link you were given")
        async with self.context.sessions() as session:
            row = await crud.resolve_token(session, token=token)
        if row is None:
            raise Unauthorized("this join link is not valid: ask an uber moderator for a new one")
        access = row.role
        if access not in ("uber", "moderator", "member", "observer"):
            raise Unauthorized(f"this join link has an unknown role {access!r}")
        return Principal(
            access=access,  # type: ignore[arg-type]  # checked just above
            event_id=row.event_id,
            room_id=row.room_id,
            team_id=row.team_id,
            label=row.label,
        )

    async def snapshot(self, principal: Principal) -> Snapshot:
        context = self.context
        now = context.clock.now()
        async with context.sessions() as session:
            event = await require_event(session, principal.event_id)
            protocol = context.protocols.get(event.protocol_id)
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
        rooms = [
            room_view(
                protocol=protocol,
                row=row,
                state=state_from_json(row.state_json),
                teams=teams,
                event=event,
                now=now,
            )
            for row in rows
        ]
        presence = {
            room_id: people
            for room_id, people in context.hub.presence(event.id).items()
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
            event=event_view(event),
            rooms=rooms,
            protocol=timeline(protocol),
            help=[help_view(row) for row in help_rows],
            presence=presence,
        )
