"""Grouping teams into rooms over REST: a dry run that proposes (or scores an edited
proposal), and a commit that creates exactly the rooms given, as one change."""

from __future__ import annotations

from fastapi import APIRouter, status

from server.api.deps import ServicesDep, StewardDep
from server.api.grouping_schemas import (
    GroupBody,
    GroupCommitBody,
    GroupingView,
    ProposedRoomView,
    TeamRef,
    WeightsBody,
)
from server.api.schemas import ERROR_RESPONSES, Result
from server.domain.grouping import Weights
from server.domain.records import Team
from server.service.grouping import GroupRequest, Proposal

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES, tags=["setup"])


def _request(body: GroupBody) -> GroupRequest:
    return GroupRequest(
        weights=Weights(text=body.weights.text, tags=body.weights.tags, stage=body.weights.stage),
        keep_apart_by=tuple(body.keep_apart_by),
        together=tuple((a, b) for a, b in body.together),
        apart=tuple((a, b) for a, b in body.apart),
        odd_team=body.odd_team,
        rooms=None if body.rooms is None else tuple(tuple(room) for room in body.rooms),
    )


def _ref(team: Team) -> TeamRef:
    return TeamRef(id=team.id, name=team.name)


def grouping_view(proposal: Proposal, *, dry_run: bool) -> GroupingView:
    return GroupingView(
        size=proposal.size,
        method=proposal.method,
        weights=WeightsBody(
            text=proposal.weights.text, tags=proposal.weights.tags, stage=proposal.weights.stage
        ),
        keep_apart_by=list(proposal.keep_apart_by),
        rooms=[
            ProposedRoomView(
                teams=[_ref(team) for team in room.teams],
                extra=_ref(room.extra) if room.extra else None,
                score=round(room.score, 4),
                explanation=room.explanation,
                breaks=[(_ref(a), _ref(b)) for a, b in room.breaks],
            )
            for room in proposal.rooms
        ],
        total=round(proposal.total, 4),
        bound=None if proposal.bound is None else round(proposal.bound, 4),
        greedy_total=None if proposal.greedy_total is None else round(proposal.greedy_total, 4),
        unplaced=[_ref(team) for team in proposal.unplaced],
        breaks=[(_ref(a), _ref(b)) for a, b in proposal.breaks],
        setup_version=proposal.setup_version,
        room_ids=[room.id for room in proposal.committed],
        dry_run=dry_run,
    )


@router.post("/rooms/group/preview")
async def preview_grouping(
    body: GroupBody, principal: StewardDep, services: ServicesDep
) -> Result[GroupingView]:
    """A dry run: the rooms a planner would choose for the teams not yet in a room (or,
    with ``rooms``, the score of that arrangement), each with its score and why; nothing
    is written."""
    proposal = await services.grouping.propose(principal, _request(body))
    return Result(detail=grouping_view(proposal, dry_run=True))


@router.post("/rooms/group", status_code=status.HTTP_201_CREATED)
async def commit_grouping(
    body: GroupCommitBody, principal: StewardDep, services: ServicesDep
) -> Result[GroupingView]:
    """Create the rooms: exactly ``rooms`` (a previewed proposal), or the proposal itself,
    as one change on ``setup_version`` (409 ``setup.stale`` if the setup changed since)."""
    proposal = await services.grouping.commit(
        principal, _request(body), setup_version=body.setup_version
    )
    return Result(detail=grouping_view(proposal, dry_run=False))
