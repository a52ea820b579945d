"""Commands a moderator (or an uber moderator) gives a room's run.

Rules: every command carries the version of the run it was made against;
the engine refuses it if the run has moved on since (see ``StaleVersion``),
so two moderators pressing "next" together advance exactly one phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from server.domain.fit import FitPlan


@dataclass(frozen=True, slots=True)
class Command:
    expected_version: int
    name: ClassVar[str] = "command"


@dataclass(frozen=True, slots=True)
class Start(Command):
    """Start round 1, phase 1."""

    name: ClassVar[str] = "start"


@dataclass(frozen=True, slots=True)
class Pause(Command):
    """Stop the countdown of the current phase."""

    name: ClassVar[str] = "pause"


@dataclass(frozen=True, slots=True)
class Resume(Command):
    """Continue a paused countdown where it stopped."""

    name: ClassVar[str] = "resume"


@dataclass(frozen=True, slots=True)
class Next(Command):
    """End the current phase now and start the next one (or the next round)."""

    name: ClassVar[str] = "next"


@dataclass(frozen=True, slots=True)
class Back(Command):
    """Go back to the previous phase and start it afresh."""

    name: ClassVar[str] = "back"


@dataclass(frozen=True, slots=True)
class AdjustTime(Command):
    """Add (positive) or remove (negative) seconds from the current phase."""

    seconds: float = 0.0
    name: ClassVar[str] = "adjust_time"


@dataclass(frozen=True, slots=True)
class RestartPhase(Command):
    """Start the current phase again from its full length."""

    name: ClassVar[str] = "restart_phase"


@dataclass(frozen=True, slots=True)
class Finish(Command):
    """End the run now."""

    name: ClassVar[str] = "finish"


@dataclass(frozen=True, slots=True)
class Recall(Command):
    """Call the room back to the main room at ``deadline``."""

    deadline: float = 0.0
    name: ClassVar[str] = "recall"


@dataclass(frozen=True, slots=True)
class ApplyFit(Command):
    """Apply a fit-to-time plan made by ``plan_fit`` against this version."""

    plan: FitPlan | None = None
    name: ClassVar[str] = "apply_fit"


AnyCommand = (
    Start | Pause | Resume | Next | Back | AdjustTime | RestartPhase | Finish | Recall | ApplyFit
)
