"""Help requests: a room asks for an uber moderator; one claims it, then resolves it.

Rules: a request records the room, the round and phase it was in, and the
protocol role of whoever asked (a team's seat role that round, or the
moderator's); every uber moderator and the room itself see every
change; only uber moderators claim and resolve, and a request moves only
forward (open -> claimed -> resolved).
"""

from __future__ import annotations

from server.access import Principal
from server.errors import Conflict, NotFound
from server.hub import Audience
from server.messages import HelpUpdated, HelpView
from server.service.context import Context
from server.service.rooms import load_room
from server.store import crud
from server.store.models import HelpRequestRow
from server.views import help_view


class HelpDesk:
    def __init__(self, context: Context) -> None:
        self.context = context

    async def request(self, principal: Principal, *, message: str) -> HelpView:
        principal.require_can_ask_for_help()
        assert principal.room_id is not None
        now = self.context.clock.now()
        async with self.context.sessions() as session, session.begin():
            row_room, state = await load_room(session, principal.room_id)
            protocol = self.context.protocols.get(state.protocol_id)
            role = protocol.room.moderator
            if principal.team_id in row_room.team_ids:
                seat = row_room.team_ids.index(principal.team_id)
                role = protocol.seating_for_round(state.round_index)[seat]
            row = await crud.create_help_request(
                session,
                event_id=principal.event_id,
                room_id=principal.room_id,
                round_index=state.round_index,
                phase_id=protocol.phases[state.phase_index].id,
                role=role,
                requested_by=principal.label,
                message=message,
                now=now,
            )
            await crud.append_log(
                session,
                event_id=principal.event_id,
                room_id=principal.room_id,
                actor=principal.actor,
                action="help.request",
                at=now,
                detail={"help_id": row.id, "message": message},
            )
        return await self._publish(row)

    async def claim(self, principal: Principal, *, help_id: str) -> HelpView:
        return await self._move(principal, help_id, to="claimed", allowed_from=("open",))

    async def resolve(self, principal: Principal, *, help_id: str) -> HelpView:
        return await self._move(principal, help_id, to="resolved", allowed_from=("open", "claimed"))

    async def _move(
        self, principal: Principal, help_id: str, *, to: str, allowed_from: tuple[str, ...]
    ) -> HelpView:
        principal.require_uber(f"mark help requests {to}")
        now = self.context.clock.now()
        async with self.context.sessions() as session, session.begin():
            row = await crud.get_help_request(session, help_id=help_id)
            if row is None or row.event_id != principal.event_id:
                raise NotFound(f"no help request with id {help_id!r} in this event")
            if row.status not in allowed_from:
                claimed = f" by {row.claimed_by}" if row.claimed_by else ""
                raise Conflict(f"this help request is already {row.status}{claimed}")
            row.status = to
            row.updated_at = now
            if to == "claimed":
                row.claimed_by = principal.label or principal.access
            session.add(row)
            await crud.append_log(
                session,
                event_id=principal.event_id,
                room_id=row.room_id,
                actor=principal.actor,
                action=f"help.{to}",
                at=now,
                detail={"help_id": help_id},
            )
        return await self._publish(row)

    async def _publish(self, row: HelpRequestRow) -> HelpView:
        view = help_view(row)
        await self.context.hub.publish(
            row.event_id, HelpUpdated(help=view).model_dump_json(), Audience(room_id=row.room_id)
        )
        return view
