"""The live commands over REST, the same as the websocket's: room commands, event-wide
actions, broadcasts, help requests, and asks (one more minute, done)."""

from __future__ import annotations

from fastapi import APIRouter, status

from server.api.deps import PrincipalDep, ServicesDep
from server.api.openapi import ROOM_COMMAND_OPERATION
from server.api.schemas import (
    ERROR_RESPONSES,
    AnswerBody,
    AskBody,
    BroadcastBody,
    EventActionBody,
    FitBody,
    HelpBody,
    HelpMoveBody,
    RecallBody,
    Result,
    RoomCommandBody,
)
from server.wire.messages import (
    AskView,
    BroadcastResult,
    FitResult,
    HelpView,
    PauseAllResult,
    RecallResult,
    ResumeAllResult,
    RoomView,
    StartAllResult,
)

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


def expected(body: EventActionBody | HelpMoveBody | None) -> int | None:
    return None if body is None else body.expected_version


@router.post("/rooms/{room_id}/commands", tags=["live"], operation_id=ROOM_COMMAND_OPERATION)
async def room_command(
    room_id: str, body: RoomCommandBody, principal: PrincipalDep, services: ServicesDep
) -> RoomView:
    """start, pause, resume, next, back, adjust_time, restart_phase or finish a room."""
    return await services.rooms.command(
        principal,
        room_id=room_id,
        action=body.action,
        expected_version=body.expected_version,
        seconds=body.seconds,
    )


@router.post("/event/start-all", tags=["live"])
async def start_all(
    principal: PrincipalDep, services: ServicesDep, body: EventActionBody | None = None
) -> Result[StartAllResult]:
    """Start every room that has not started, at one instant."""
    return Result(detail=await services.event.start_all(principal, expected_version=expected(body)))


@router.post("/event/pause-all", tags=["live"])
async def pause_all(
    principal: PrincipalDep, services: ServicesDep, body: EventActionBody | None = None
) -> Result[PauseAllResult]:
    return Result(detail=await services.event.pause_all(principal, expected_version=expected(body)))


@router.post("/event/resume-all", tags=["live"])
async def resume_all(
    principal: PrincipalDep, services: ServicesDep, body: EventActionBody | None = None
) -> Result[ResumeAllResult]:
    return Result(
        detail=await services.event.resume_all(principal, expected_version=expected(body))
    )


@router.post("/event/recall", tags=["live"])
async def recall(
    body: RecallBody, principal: PrincipalDep, services: ServicesDep
) -> Result[RecallResult]:
    return Result(
        detail=await services.event.recall(
            principal, seconds=body.seconds, expected_version=body.expected_version
        )
    )


@router.post("/event/fit-to-time", tags=["live"])
async def fit_to_time(
    body: FitBody, principal: PrincipalDep, services: ServicesDep
) -> Result[FitResult]:
    target = body.target.timestamp() if body.target is not None else None
    return Result(
        detail=await services.event.fit_to_time(
            principal,
            target=target,
            minimum_seconds=body.minimum_seconds,
            expected_version=body.expected_version,
        )
    )


@router.post("/event/broadcast", tags=["live"])
async def broadcast(
    body: BroadcastBody, principal: PrincipalDep, services: ServicesDep
) -> Result[BroadcastResult]:
    return Result(detail=await services.event.broadcast(principal, **body.model_dump()))


@router.post("/help", status_code=status.HTTP_201_CREATED, tags=["help"])
async def request_help(body: HelpBody, principal: PrincipalDep, services: ServicesDep) -> HelpView:
    return await services.help.request(principal, message=body.message)


@router.post("/help/{help_id}/claim", tags=["help"])
async def claim_help(
    help_id: str, principal: PrincipalDep, services: ServicesDep, body: HelpMoveBody | None = None
) -> HelpView:
    return await services.help.claim(principal, help_id=help_id, expected_version=expected(body))


@router.post("/help/{help_id}/resolve", tags=["help"])
async def resolve_help(
    help_id: str, principal: PrincipalDep, services: ServicesDep, body: HelpMoveBody | None = None
) -> HelpView:
    return await services.help.resolve(principal, help_id=help_id, expected_version=expected(body))


@router.post("/asks", status_code=status.HTTP_201_CREATED, tags=["live"])
async def ask(body: AskBody, principal: PrincipalDep, services: ServicesDep) -> AskView:
    """A team member asks for one more minute, or says the room is done."""
    return await services.asks.ask(principal, kind=body.kind)


@router.post("/asks/{ask_id}/answer", tags=["live"])
async def answer_ask(
    ask_id: str, body: AnswerBody, principal: PrincipalDep, services: ServicesDep
) -> AskView:
    """The room's moderator or an uber accepts or declines an ask."""
    return await services.asks.answer(
        principal, ask_id=ask_id, accept=body.accept, expected_version=body.expected_version
    )
