"""Help requests: a room asks for an uber moderator; one claims it, then resolves it.

Rules: a request records the room, the round and phase it was in, and the
protocol role of whoever asked (a team's seat role that round, or the
moderator's); every uber moderator and the room itself see every change;
only uber moderators claim and resolve. A person (a link) has at most one
request open at a time: a second one is refused until the first is resolved,
also when two arrive at once on two processes. Claim and resolve are
compare-and-sets on the request's version through the one write path
(``server.domain.help`` decides): two uber moderators acting at once give one
change and one refusal naming who got there first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from server.access import Principal
from server.domain import help as help_domain
from server.domain.event import clock_text
from server.domain.help import HelpConflict, HelpState
from server.domain.seating import team_role
from server.errors import Conflict
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.messages import HelpResult, HelpView
from server.wire.views import help_view

Move = Callable[..., HelpState]


class HelpDesk:
    def __init__(self, writes: WritePath) -> None:
        self.writes = writes

    async def request(self, principal: Principal, *, message: str) -> HelpView:
        principal.require_can_ask_for_help()
        room_id = principal.room_id
        assert room_id is not None

        async def attempt(tx: Tx) -> HelpView:
            await crud.hold_requester(tx.session, room_id=room_id, requested_by=principal.label)
            waiting = [
                request
                for request in await crud.list_help_requests(
                    tx.session, event_id=principal.event_id, room_id=room_id
                )
                if request.requested_by == principal.label
            ]
            if waiting:
                since = clock_text(waiting[0].created_at)
                raise Conflict(
                    f"you already asked for help at {since} and nobody has resolved it "
                    "yet: an uber moderator will come; one request at a time",
                    field="message",
                )
            loaded = await tx.load_room(room_id, event_id=principal.event_id)
            stored = loaded.rooms[0]
            protocol = tx.protocols.get(stored.state.protocol_id)
            role = protocol.room.moderator
            if principal.team_id:
                role = (
                    team_role(protocol, stored.room, principal.team_id, stored.state.round_index)
                    or role
                )
            created = await crud.create_help_request(
                tx.session,
                event_id=principal.event_id,
                room_id=room_id,
                round_index=stored.state.round_index,
                phase_id=protocol.phases[stored.state.phase_index].id,
                role=role,
                requested_by=principal.label,
                message=message,
                now=tx.now,
            )
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "help.request",
                detail={"help_id": created.id, "message": message},
            )
            tx.announce_help(created)
            return help_view(created)

        return await self.writes.run(attempt, what="this help request")

    async def claim(
        self, principal: Principal, *, help_id: str, expected_version: int | None = None
    ) -> HelpView:
        principal.require_uber("mark help requests claimed")
        return await self._move(principal, help_id, expected_version, help_domain.claim, "claim")

    async def resolve(
        self, principal: Principal, *, help_id: str, expected_version: int | None = None
    ) -> HelpView:
        principal.require_uber("mark help requests resolved")
        return await self._move(
            principal, help_id, expected_version, help_domain.resolve, "resolve"
        )

    async def _move(
        self,
        principal: Principal,
        help_id: str,
        expected_version: int | None,
        move: Move,
        verb: str,
    ) -> HelpView:
        expected = expected_version

        async def attempt(tx: Tx) -> HelpView:
            nonlocal expected
            request = await tx.load_help(help_id, event_id=principal.event_id)
            if expected is None:  # fixed at the first read: a retry never re-bases it
                expected = request.state.version
            try:
                after = move(
                    request.state, by=principal.name, now=tx.now, expected_version=expected
                )
            except HelpConflict as error:
                raise Conflict(str(error)) from None
            changed = tx.change_help(
                request, after, actor=principal.actor, action=f"help.{after.status.value}"
            )
            return help_view(changed)

        return await self.writes.run(attempt, what=f"help request {help_id} ({verb})")


def help_result(
    view: HelpView, kind: Literal["help.request", "help.claim", "help.resolve"]
) -> HelpResult:
    return HelpResult(kind=kind, **view.model_dump())
