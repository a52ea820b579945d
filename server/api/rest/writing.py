"""What people write, over REST: the consent first, notes, and final thoughts (with their
summary for uber moderators)."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import PrincipalDep, ServicesDep
from server.api.schemas import (
    ERROR_RESPONSES,
    ConsentOut,
    FeedbackBody,
    FeedbackSummaryOut,
    NoteBody,
    RoomFeedbackOut,
)
from server.wire.messages import (
    FeedbackView,
    NoteView,
)

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


@router.post("/consent", tags=["notes"])
async def give_consent(principal: PrincipalDep, services: ServicesDep) -> ConsentOut:
    """Accept the notice on what is kept of what this link's holder writes (once)."""
    return ConsentOut(consented_at=await services.notes.consent(principal) * 1000)


@router.post("/notes", tags=["notes"])
async def save_note(body: NoteBody, principal: PrincipalDep, services: ServicesDep) -> NoteView:
    """Save the caller's (or their team's) note for one phase of one round of their room."""
    return await services.notes.save(principal, **body.model_dump())


@router.post("/feedback", tags=["notes"])
async def save_feedback(
    body: FeedbackBody, principal: PrincipalDep, services: ServicesDep
) -> FeedbackView:
    """Final thoughts on a round: what was most useful, what could have been more useful."""
    return await services.feedback.save(principal, **body.model_dump())


@router.get("/feedback/summary", tags=["notes"])
async def feedback_summary(principal: PrincipalDep, services: ServicesDep) -> FeedbackSummaryOut:
    """Every room's final thoughts, summarised (uber moderators)."""
    summary, labels = await services.feedback.summary(principal)
    return FeedbackSummaryOut(
        responses=summary.responses,
        rooms_answered=summary.rooms_answered,
        rooms=[
            RoomFeedbackOut(
                room_id=room.room_id,
                room_label=labels[room.room_id],
                responses=room.responses,
                by_round=room.by_round,
                most_useful=room.most_useful,
                more_useful=room.more_useful,
            )
            for room in summary.rooms
        ],
    )
