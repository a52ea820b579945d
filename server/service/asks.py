"""Asks from a room: one more minute, or "we are done"; answered by its moderator or an uber.

Rules (the decisions are ``server.domain.room_requests``'s):
- A room's team members ask, while a phase is under way (running, over time or
  paused). One more minute may be asked ``more_time_asks_per_round`` times per
  room and round, one at a time; "done" once at a time.
- The room's moderator or any uber moderator answers, in one click: a
  compare-and-set on the ask's version with its log row; accepting one more
  minute also adds the minute to the phase, in the same change (the room's
  compare-and-set, its own log row and ``room.updated``).
- Every ask and answer goes to the room and every uber (``ask.updated``); the
  dashboard shows the open ones, the event report all of them.
"""

from __future__ import annotations

from server.access import Principal
from server.domain import commands as cmd
from server.domain import engine
from server.domain.errors import EngineError
from server.domain.room_requests import (
    MORE_TIME_SECONDS,
    RequestKind,
    RequestRefused,
    RoomRequest,
    answered,
    check_ask,
)
from server.domain.state import Status
from server.errors import Conflict, Forbidden, NotFound
from server.hub import Audience
from server.service.rooms import engine_refusal
from server.service.tx import NO_DETAIL, Step, Tx
from server.service.write_path import WritePath
from server.settings import Settings
from server.store import crud
from server.wire.messages import AskKind, AskUpdated, AskView

UNDER_WAY = frozenset({Status.RUNNING, Status.OVERTIME, Status.PAUSED})


def ask_view(ask: RoomRequest) -> AskView:
    return AskView(
        id=ask.id,
        room_id=ask.room_id,
        round_index=ask.round_index,
        phase_id=ask.phase_id,
        kind=ask.kind.value,
        status=ask.status.value,
        requested_by=ask.requested_by,
        decided_by=ask.decided_by,
        version=ask.version,
        created_at=ask.created_at * 1000,
        decided_at=None if ask.decided_at is None else ask.decided_at * 1000,
    )


def _refusal(error: RequestRefused) -> Conflict:
    return Conflict(error.message, field=error.field)


class Asks:
    def __init__(self, settings: Settings, writes: WritePath) -> None:
        self.settings = settings
        self.writes = writes

    async def ask(self, principal: Principal, *, kind: AskKind) -> AskView:
        room_id = principal.room_id
        if principal.access != "member" or room_id is None:
            raise Forbidden(
                "a room's team members ask for one more minute or say they are done; the "
                "moderator changes the time directly"
            )
        wanted = RequestKind(kind)

        async def attempt(tx: Tx) -> AskView:
            await crud.hold_requester(tx.session, room_id=room_id, requested_by=f"ask:{kind}")
            loaded = await tx.load_room(room_id, event_id=principal.event_id)
            stored = loaded.rooms[0]
            state = stored.state
            if state.status not in UNDER_WAY:
                raise Conflict(
                    "asks are for a phase under way; this room is " + state.status.value,
                    field="kind",
                )
            protocol = tx.protocols.get(state.protocol_id)
            earlier = [
                ask
                for ask in await crud.list_room_requests(
                    tx.session, event_id=principal.event_id, room_id=room_id
                )
                if ask.round_index == state.round_index
            ]
            try:
                check_ask(wanted, earlier, self.settings.more_time_asks_per_round)
            except RequestRefused as refused:
                raise _refusal(refused) from None
            made = await crud.create_room_request(
                tx.session,
                event_id=principal.event_id,
                room_id=room_id,
                round_index=state.round_index,
                phase_id=protocol.phases[state.phase_index].id,
                kind=wanted,
                link_id=principal.link_id,
                requested_by=principal.name,
                now=tx.now,
            )
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                f"ask.{kind}",
                detail={"ask_id": made.id, "round_index": made.round_index},
            )
            view = ask_view(made)
            tx.publish(principal.event_id, _message(view), Audience(room_id=room_id))
            return view

        return await self.writes.run(attempt, what="the ask")

    async def answer(
        self,
        principal: Principal,
        *,
        ask_id: str,
        accept: bool,
        expected_version: int | None = None,
    ) -> AskView:
        async def attempt(tx: Tx) -> AskView:
            found = await crud.get_room_request(tx.session, request_id=ask_id)
            if found is None or found.event_id != principal.event_id:
                raise NotFound(f"no ask with id {ask_id!r} in this event")
            principal.require_room_control(found.room_id)
            if expected_version is not None and found.version != expected_version:
                raise Conflict(
                    f"this ask was answered meanwhile by {found.decided_by or 'someone'}",
                    field="expected_version",
                )
            try:
                after = answered(found, accept=accept, by=principal.name, now=tx.now)
            except RequestRefused as refused:
                raise _refusal(refused) from None
            tx.answer_request(found, after)
            tx.log(
                principal.event_id,
                found.room_id,
                principal.actor,
                "ask.answer",
                detail={"ask_id": found.id, "kind": found.kind.value, "accept": accept},
                versions=(found.version, after.version),
            )
            if accept and found.kind is RequestKind.MORE_TIME:
                await self._add_the_minute(tx, principal, found)
            view = ask_view(after)
            tx.publish(principal.event_id, _message(view), Audience(room_id=found.room_id))
            return view

        return await self.writes.run(attempt, what="the ask")

    async def _add_the_minute(self, tx: Tx, principal: Principal, ask: RoomRequest) -> None:
        loaded = await tx.load_room(ask.room_id, event_id=principal.event_id)
        stored = loaded.rooms[0]
        protocol = tx.protocols.get(stored.state.protocol_id)
        command = cmd.AdjustTime(stored.state.version, float(MORE_TIME_SECONDS))
        try:
            steps = engine.command_steps(protocol, stored.state, command, tx.now)
        except EngineError as error:
            raise engine_refusal(error) from None
        labelled: list[Step] = [(step, "timer", "tick", NO_DETAIL) for step in steps[:-1]]
        detail = {"seconds": MORE_TIME_SECONDS, "ask_id": ask.id}
        labelled.append((steps[-1], principal.actor, "adjust_time", detail))
        event = loaded.events[stored.room.event_id]
        tx.change_room(stored.room, stored.state, labelled, event=event, teams=loaded.teams)


def _message(view: AskView) -> str:
    return AskUpdated(ask=view).model_dump_json()


__all__ = ["Asks", "ask_view"]
