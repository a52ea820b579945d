"""A help request's lifecycle: open -> claimed -> resolved, and nothing else.

Rules:
- Only forward: a request is claimed once, resolved once (an open request
  may be resolved without a claim); every change adds one to its version.
- A change is judged against the version it was made against. If the
  request has moved on since, the change is refused with a ``HelpConflict``
  naming who moved it and when, so two uber moderators claiming at once
  give one claim and one clear refusal.
- Pure: ``now`` is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from server.domain.errors import EngineError
from server.domain.event import ago_text, clock_text


class HelpStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class HelpState:
    status: HelpStatus = HelpStatus.OPEN
    version: int = 0
    claimed_by: str = ""
    resolved_by: str = ""
    updated_at: float = 0.0


class HelpConflict(EngineError):
    code = "conflict"


def _moved_by(state: HelpState) -> str:
    if state.status is HelpStatus.RESOLVED and state.resolved_by:
        return state.resolved_by
    return state.claimed_by


def _refuse(state: HelpState, now: float, *, stale: bool) -> HelpConflict:
    who = _moved_by(state)
    by = f" by {who}" if who else ""
    when = f" ({clock_text(state.updated_at)}, {ago_text(state.updated_at, now)})"
    if stale:
        return HelpConflict(
            f"this help request was {state.status.value}{by} since you saw it{when}"
        )
    return HelpConflict(f"this help request is already {state.status.value}{by}{when}")


def claim(state: HelpState, *, by: str, now: float, expected_version: int) -> HelpState:
    if state.status is not HelpStatus.OPEN:
        raise _refuse(state, now, stale=expected_version != state.version)
    if expected_version != state.version:
        raise _refuse(state, now, stale=True)
    return replace(
        state, status=HelpStatus.CLAIMED, version=state.version + 1, claimed_by=by, updated_at=now
    )


def resolve(state: HelpState, *, by: str, now: float, expected_version: int) -> HelpState:
    if state.status is HelpStatus.RESOLVED or expected_version != state.version:
        raise _refuse(state, now, stale=expected_version != state.version)
    return replace(
        state,
        status=HelpStatus.RESOLVED,
        version=state.version + 1,
        resolved_by=by,
        updated_at=now,
    )
