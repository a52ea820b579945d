"""RunState to and from JSON text, for the room table.

Rules: every field of ``RunState`` is written; reading refuses unknown
fields, so a state written by a newer version is never silently mangled.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from server.domain.state import PlannedPhase, RunState, Status

_FIELDS = {field.name for field in fields(RunState)}


def state_to_json(state: RunState) -> str:
    return json.dumps(asdict(state), separators=(",", ":"))


def state_from_json(text: str) -> RunState:
    data: dict[str, Any] = json.loads(text)
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"unknown run state fields: {', '.join(sorted(unknown))}")
    data["status"] = Status(data["status"])
    data["planned"] = tuple(PlannedPhase(**entry) for entry in data.get("planned", ()))
    return RunState(**data)
