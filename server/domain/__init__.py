"""The pure protocol core: protocol model, a room's run state, its transitions.

Rules: nothing in this package does I/O, imports asyncio, a web framework,
a database or a broker, or reads a clock. Time is always a parameter.
"""

from server.domain.commands import (
    AdjustTime,
    AnyCommand,
    ApplyFit,
    Back,
    Command,
    Finish,
    Next,
    Pause,
    Recall,
    RestartPhase,
    Resume,
    Start,
)
from server.domain.engine import ALLOWED, Transition, handle, next_due, tick
from server.domain.errors import EngineError, IllegalCommand, ImpossibleFit, StaleVersion
from server.domain.fit import DEFAULT_MINIMUM_SECONDS, FitPlan, plan_fit
from server.domain.protocol import Phase, Protocol, Role
from server.domain.state import (
    PlannedPhase,
    RunState,
    Status,
    phases_after_current,
    planned_seconds,
    projected_end,
)

__all__ = [
    "ALLOWED",
    "DEFAULT_MINIMUM_SECONDS",
    "AdjustTime",
    "AnyCommand",
    "ApplyFit",
    "Back",
    "Command",
    "EngineError",
    "Finish",
    "FitPlan",
    "IllegalCommand",
    "ImpossibleFit",
    "Next",
    "Pause",
    "Phase",
    "PlannedPhase",
    "Protocol",
    "Recall",
    "RestartPhase",
    "Resume",
    "Role",
    "RunState",
    "StaleVersion",
    "Start",
    "Status",
    "Transition",
    "handle",
    "next_due",
    "phases_after_current",
    "plan_fit",
    "planned_seconds",
    "projected_end",
    "tick",
]
