"""Final thoughts: what was most useful, and what could have been more useful (seed 000).

Rules:
- Everyone bound to a room (its teams' members, its moderator, its observers)
  answers both questions once per round, as a person (their link); they may
  change their answers later. Uber moderators read every answer and give none.
- Answers open in the round's last phase (Final thoughts in the consultancy)
  and stay open after it; before that they are refused, saying when they open.
- Saving is a compare-and-set on the answers' version (0: none yet), written
  with its log row (lengths only) and acknowledged after the commit; then
  ``feedback.updated`` goes to every uber moderator, whose dashboard summarises
  it live per room and for the event.
- Nothing is written before the link's holder accepted the notice on what is
  kept (as for notes).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain.feedback_summary import EventFeedback, summarise
from server.domain.records import Feedback
from server.domain.state import Status as RoomStatus
from server.errors import Conflict, Forbidden, NotFound
from server.hub import Audience
from server.service.notes import require_consent, role_in_round
from server.service.tx import LostRace, Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.messages import FeedbackUpdated, FeedbackView

UBERS = Audience(access=frozenset({"uber"}))


def feedback_view(feedback: Feedback) -> FeedbackView:
    return FeedbackView(
        id=feedback.id,
        room_id=feedback.room_id,
        team_id=feedback.team_id,
        round_index=feedback.round_index,
        role=feedback.role,
        most_useful=feedback.most_useful,
        more_useful=feedback.more_useful,
        version=feedback.version,
        updated_by=feedback.updated_by,
        updated_at=feedback.updated_at * 1000,
    )


class FeedbackDesk:
    def __init__(self, writes: WritePath) -> None:
        self.writes = writes

    async def save(
        self,
        principal: Principal,
        *,
        round_index: int,
        most_useful: str,
        more_useful: str,
        expected_version: int,
    ) -> FeedbackView:
        room_id = principal.room_id
        if room_id is None or principal.is_uber:
            raise Forbidden("final thoughts come from the people in a room")

        async def attempt(tx: Tx) -> FeedbackView:
            await require_consent(tx, principal)
            loaded = await tx.load_room(room_id, event_id=principal.event_id)
            stored = loaded.rooms[0]
            protocol = tx.protocols.get(stored.state.protocol_id)
            role = role_in_round(protocol, stored.room, principal, round_index)
            state = stored.state
            last = len(protocol.phases) - 1
            reached = (
                state.round_index > round_index
                or (state.round_index == round_index and state.phase_index >= last)
                or state.status in (RoomStatus.FINISHED, RoomStatus.RECALLED)
            )
            opened = reached and state.status is not RoomStatus.NOT_STARTED
            if not opened:
                raise Conflict(
                    f"final thoughts on round {round_index + 1} open in its last phase "
                    f"({protocol.phases[last].title})",
                    field="round_index",
                )
            found = await crud.find_feedback(
                tx.session, room_id=room_id, link_id=principal.link_id, round_index=round_index
            )
            current = 0 if found is None else found.version
            if current != expected_version:
                raise Conflict(
                    f"your answers were saved elsewhere meanwhile (now version {current}, you "
                    f"had {expected_version})",
                    field="expected_version",
                )
            if found is None:
                try:
                    feedback = await crud.insert_feedback(
                        tx.session,
                        event_id=principal.event_id,
                        room_id=room_id,
                        link_id=principal.link_id,
                        team_id=principal.team_id,
                        round_index=round_index,
                        role=role,
                        most_useful=most_useful,
                        more_useful=more_useful,
                        by=principal.actor,
                        now=tx.now,
                    )
                except IntegrityError:
                    raise LostRace("new feedback") from None  # judged again: a conflict
            else:
                feedback = tx.change_feedback(
                    found, most_useful=most_useful, more_useful=more_useful, actor=principal.actor
                )
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "feedback.save",
                detail={
                    "feedback_id": feedback.id,
                    "round_index": round_index,
                    "chars": [len(most_useful), len(more_useful)],
                },
                versions=(current, feedback.version),
            )
            view = feedback_view(feedback)
            tx.publish(principal.event_id, FeedbackUpdated(feedback=view).model_dump_json(), UBERS)
            return view

        return await self.writes.run(attempt, what="the feedback")

    async def summary(self, principal: Principal) -> tuple[EventFeedback, dict[str, str]]:
        """Every room's final thoughts, summarised (uber moderators); and room labels."""
        principal.require_uber("read the event's final thoughts")

        async def read(session: AsyncSession) -> tuple[EventFeedback, dict[str, str]]:
            event = await crud.get_event(session, event_id=principal.event_id)
            if event is None:
                raise NotFound(f"no event with id {principal.event_id!r}")
            setup = await crud.load_setup(
                session, event_id=principal.event_id, version=event.setup_version
            )
            rooms = sorted(setup.rooms.values(), key=lambda room: (room.position, room.id))
            answers = await crud.list_feedback(session, event_id=principal.event_id)
            summary = summarise(answers, [room.id for room in rooms])
            return summary, {room.id: room.label for room in rooms}

        return await self.writes.read(read)
