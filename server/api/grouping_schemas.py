"""What the grouping endpoints take and answer (``server.service.grouping``).

Rules: ids in bodies look like ids (``RecordId``); weights are finite, none negative,
not all zero; the keep-apart fields are named from a closed list, so an unknown one is
a 422 naming it; a commit names the setup version its author saw.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictBool, StrictFloat, model_validator

from server.api.record_ids import RecordId
from server.api.schemas import Body, Version

TeamPair = tuple[RecordId, RecordId]
ApartField = Literal["state", "organisation"]


def _state_only() -> list[ApartField]:
    return ["state"]


class WeightsBody(Body):
    """How much each part of a team's description counts; scores use them normalised."""

    text: StrictFloat = Field(0.6, ge=0, le=100, description="The challenge and request texts")
    tags: StrictFloat = Field(0.25, ge=0, le=100, description="Shared topic tags")
    stage: StrictFloat = Field(0.15, ge=0, le=100, description="The same stage of implementation")

    @model_validator(mode="after")
    def _some_weight(self) -> WeightsBody:
        if self.text + self.tags + self.stage <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class GroupBody(Body):
    """How to group the teams not yet in a room."""

    weights: WeightsBody = Field(default_factory=WeightsBody)
    keep_apart_by: list[ApartField] = Field(
        default_factory=_state_only,
        max_length=2,
        description="Keep apart teams sharing these fields whenever possible (default: "
        "state); an empty list keeps nobody apart",
    )
    together: list[TeamPair] = Field(
        default_factory=list, max_length=200, description="Pairs of team ids pinned together"
    )
    apart: list[TeamPair] = Field(
        default_factory=list, max_length=200, description="Pairs of team ids pinned apart"
    )
    odd_team: Literal["join", "observe"] | None = Field(
        None,
        description="Where a team left over goes: 'join' (a room one larger) or 'observe' "
        "(seated as the protocol's observers). Needed when the count does not divide",
    )
    rooms: list[list[RecordId]] | None = Field(
        None,
        max_length=500,
        description="Exactly these rooms (team ids in seat order; one more than the seats "
        "puts the last team beyond them): score an edited proposal, or commit it",
    )


class GroupCommitBody(GroupBody):
    setup_version: Version = Field(description="The setup version the proposal was made on")


class TeamRef(BaseModel):
    id: str
    name: str


class ProposedRoomView(BaseModel):
    teams: list[TeamRef] = Field(description="The seated teams, in seat order")
    extra: TeamRef | None = Field(description="A team beyond the seats, if any")
    score: float = Field(description="The sum of the room's pairwise scores (each 0 to 1)")
    explanation: str = Field(description="Why these teams, in words")
    breaks: list[tuple[TeamRef, TeamRef]] = Field(
        description="Teams in this room sharing a keep-apart field (only when unavoidable)"
    )


class GroupingView(BaseModel):
    size: int = Field(description="Seats per room (the protocol's)")
    method: str
    weights: WeightsBody
    keep_apart_by: list[str]
    rooms: list[ProposedRoomView]
    total: float
    bound: float | None = Field(
        description="An upper bound on the total (rooms of three or more); null for pairs, "
        "whose total is the best possible"
    )
    greedy_total: float | None = Field(
        description="The greedy best-first grouping's total on the same input (null for an "
        "edited arrangement)"
    )
    unplaced: list[TeamRef] = Field(description="Free teams in no proposed room")
    breaks: list[tuple[TeamRef, TeamRef]]
    setup_version: int = Field(description="The setup version this answer is about")
    room_ids: list[str] = Field(description="The rooms created (a commit); empty for a dry run")
    dry_run: StrictBool
