"""Errors the protocol engine raises when a command cannot be applied.

Rules: an error says what was expected and what was found, so that the
message can be shown to a moderator as it is. Raising an error means nothing
changed: the engine never returns a half-applied state.
"""

from __future__ import annotations


class EngineError(Exception):
    """A command or plan the engine refuses; the state is unchanged."""

    code = "engine.refused"


class IllegalCommand(EngineError):
    """The command does not apply to the room as it is now."""

    code = "command.illegal"


class StaleVersion(EngineError):
    """The command was made against an older version of the room."""

    code = "command.stale"

    def __init__(self, *, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"the room has changed since you last saw it: the command was for version "
            f"{expected}, the room is at version {actual}; refresh and try again"
        )


class ImpossibleFit(EngineError):
    """No compression of the remaining phases fits before the target time."""

    code = "fit.impossible"
