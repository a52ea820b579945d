"""How much each kind of likeness counts when two teams are compared.

Rules:
- Three stated weights, adjustable per event: the challenge and request text
  (``text``), the topic tags (``tags``) and the stage of implementation
  (``stage``).
- Each weight is a finite number at least 0, and they do not all vanish; a bad
  weight is refused with a ValueError naming the field.
- Scores use the weights scaled to sum to 1, so every score lies in [0, 1]
  whatever scale the organiser chose (0.6/0.25/0.15 and 60/25/15 agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Weights:
    text: float = 0.6
    tags: float = 0.25
    stage: float = 0.15

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"weight {field.name!r} must be a number; got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"weight {field.name!r} must be finite and at least 0; got {value}"
                )
        if self.text + self.tags + self.stage <= 0:
            raise ValueError(
                "weights 'text', 'tags' and 'stage' are all 0: at least one must count"
            )

    def normalised(self) -> tuple[float, float, float]:
        """(text, tags, stage) scaled to sum to 1."""
        total = self.text + self.tags + self.stage
        return (self.text / total, self.tags / total, self.stage / total)


DEFAULT_WEIGHTS = Weights()
"""Text 0.6, tags 0.25, stage 0.15: the words say most about a team's problem."""
