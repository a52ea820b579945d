"""What grouping knows of a team: its words, its tags, its stage, who it must not meet.

Rules:
- A profile is plain data, built by the caller from a team; grouping never
  reads anything else about a team.
- ``apart_keys`` are values such as ``"state:texas"`` or
  ``"organisation:riverside isd"``: two teams sharing any key should not share
  a room. The part before the first ``":"`` names the field, so an
  explanation can say "same state" or "different organisations"; keys are
  compared exactly, so the caller folds case and spacing first.
- Two profiles with the same ``id`` are the same team and never share a room.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    name: str
    challenge: str = ""
    request: str = ""
    tags: tuple[str, ...] = ()
    stage: str = ""
    apart_keys: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The words compared between teams: the challenge, then the request."""
        return f"{self.challenge} {self.request}".strip()
