"""RunState to and from JSON text, for the room table, with a format version inside.

Rules:
- Every field of ``RunState`` is written, with ``"format": FORMAT``.
- Reading upgrades older formats step by step (``UPGRADES``) before building
  the state, so a room written by an older server reads as it always did; the
  next write stores it in the current format. No migration has to rewrite
  every room.
- Reading refuses unknown fields and formats newer than this code knows, so
  a state written by a newer version is never silently mangled.
- States are immutable, so both directions are memoized: rooms started
  together run in lockstep and share their state, so a start or recall of a
  thousand rooms encodes and decodes a handful of distinct states, not a
  thousand.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from server.domain.state import PlannedPhase, RunState, Status

FORMAT = 3
"""1: the first release (no ``format`` key). 2: the key is written. 3: ``plan_end``
(the end of a fitted plan) is written."""

_FIELDS = {field.name for field in fields(RunState)}


def _from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 had the same fields and no format key."""
    return data


def _from_2(data: dict[str, Any]) -> dict[str, Any]:
    """Format 2 had no fitted plan end: a run fitted then is measured against its schedule."""
    return {**data, "plan_end": None}


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1, 2: _from_2}
"""UPGRADES[n] turns format n into format n + 1."""


_NAMES = tuple(field.name for field in fields(RunState))


@functools.lru_cache(maxsize=4096)
def state_to_json(state: RunState) -> str:
    # Field by field rather than dataclasses.asdict, which deep-copies: a start
    # of a thousand rooms encodes a thousand states inside its transaction.
    data: dict[str, Any] = {"format": FORMAT}
    for name in _NAMES:
        data[name] = getattr(state, name)
    data["planned"] = [
        {
            "round_index": entry.round_index,
            "phase_index": entry.phase_index,
            "seconds": entry.seconds,
        }
        for entry in state.planned
    ]
    data["status"] = state.status.value
    return json.dumps(data, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def state_from_json(text: str) -> RunState:
    data: dict[str, Any] = json.loads(text)
    version = data.pop("format", 1)
    if not isinstance(version, int) or version > FORMAT or version < 1:
        raise ValueError(
            f"run state format {version!r} is not one this server reads (1 to {FORMAT})"
        )
    while version < FORMAT:
        data = UPGRADES[version](data)
        version += 1
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"unknown run state fields: {', '.join(sorted(unknown))}")
    data["status"] = Status(data["status"])
    data["planned"] = tuple(PlannedPhase(**entry) for entry in data.get("planned", ()))
    return RunState(**data)
