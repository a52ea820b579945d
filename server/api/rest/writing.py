"""What people write, over REST: the consent first, notes, and final thoughts (with their
summary for uber moderators)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from server.api.deps import PrincipalDep, ServicesDep
from server.api.schemas import (
    ERROR_RESPONSES,
    AnswersBody,
    ConsentOut,
    FeedbackBody,
    FeedbackSummaryOut,
    FormOut,
    FormResponseOut,
    FormResultsOut,
    FormsOut,
    NoteBody,
    QuestionResultOut,
    RoomFeedbackOut,
)
from server.service.forms import form_json
from server.wire.messages import (
    FeedbackView,
    NoteView,
)
from server.wire.report_formats import forms_chart

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


@router.get("/forms", tags=["notes"])
async def list_forms(principal: PrincipalDep, services: ServicesDep) -> FormsOut:
    """The reflection forms of the caller's event, and the caller's own answers."""
    return FormsOut.model_validate(await services.forms.offered(principal))


@router.post("/forms/{form_id}/answers", tags=["notes"])
async def answer_form(
    form_id: str, body: AnswersBody, principal: PrincipalDep, services: ServicesDep
) -> FormResponseOut:
    """Answer a reflection form (again, to change the answers)."""
    saved = await services.forms.answer(
        principal, form_id=form_id, answers=body.answers, expected_version=body.expected_version
    )
    return FormResponseOut.model_validate(saved)


@router.get("/forms/{form_id}/results", tags=["notes"])
async def form_results(
    form_id: str, principal: PrincipalDep, services: ServicesDep
) -> FormResultsOut:
    """A form's results over the event (uber moderators)."""
    form, result = await services.forms.results(principal, form_id=form_id)
    return FormResultsOut(
        form=FormOut.model_validate(form_json(form)),
        responses=result.responses,
        questions=[
            QuestionResultOut(
                id=question.question_id,
                kind=question.kind,
                prompt=question.prompt,
                answered=question.answered,
                counts=question.counts,
                texts=question.texts,
            )
            for question in result.questions
        ],
    )


@router.get(
    "/forms/{form_id}/results.svg",
    tags=["notes"],
    response_class=Response,
    responses={
        200: {
            "description": "The scale questions' answers as a chart",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        }
    },
)
async def form_results_chart(
    form_id: str, principal: PrincipalDep, services: ServicesDep
) -> Response:
    form, result = await services.forms.results(principal, form_id=form_id)
    return Response(forms_chart(form, result), media_type="image/svg+xml")
