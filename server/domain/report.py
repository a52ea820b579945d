"""How an event actually ran, room by room, from its log. Pure: no I/O, no clock.

Rules:
- A room's phases are read from the domain events its log rows hold, in log
  order: a phase runs from its ``phase.started`` to its ``phase.ended`` (or to the
  run's end, a recall, or the last event seen, for one still under way).
- Planned: the room's first phase starts when the room was started, and every
  phase after it at its offset in the protocol's timeline (phases back to back,
  at their defined lengths). Drift is actual start minus planned start (positive:
  late).
- Within a phase: pauses (their count and total length, a pause still open at the
  end counted to the phase's end), time added or removed, overtime (from
  ``phase.overtime`` to the phase's end). Active length is the length less pauses.
- Help requests wait from their creation to their first claim or resolution.
- Times are seconds (epoch for instants).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from server.domain.protocol import Protocol


@dataclass
class PhaseRun:
    round_index: int
    phase_index: int
    phase_id: str
    title: str
    planned_start: float
    planned_seconds: float
    start: float
    end: float | None = None
    ended_by: str = ""
    """time_up, a command (next, finish...), recall, or "" while under way."""
    paused_seconds: float = 0.0
    pauses: int = 0
    added_seconds: float = 0.0
    overtime_seconds: float = 0.0
    _paused_at: float | None = None
    _overtime_at: float | None = None

    @property
    def actual_seconds(self) -> float | None:
        return None if self.end is None else self.end - self.start

    @property
    def active_seconds(self) -> float | None:
        actual = self.actual_seconds
        return None if actual is None else actual - self.paused_seconds

    @property
    def drift_seconds(self) -> float:
        return self.start - self.planned_start


@dataclass
class HelpWait:
    help_id: str
    role: str
    phase_id: str
    asked_at: float
    answered_at: float | None
    answered_by: str

    @property
    def wait_seconds(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.asked_at


@dataclass
class RoomRun:
    room_id: str
    label: str
    started_at: float | None = None
    finished_at: float | None = None
    recalled_at: float | None = None
    phases: list[PhaseRun] = field(default_factory=list)
    help: list[HelpWait] = field(default_factory=list)
    broadcasts: list[tuple[float, str]] = field(default_factory=list)
    asks: list[tuple[float, str, str]] = field(default_factory=list)
    """(when, kind, answer)."""
    reformed: list[tuple[float, str, str]] = field(default_factory=list)
    """(when, protocol before, protocol after): the room re-formed by a format switch."""


@dataclass(frozen=True, slots=True)
class LogRow:
    """What the report needs of one log row."""

    room_id: str | None
    action: str
    at: float
    actor: str
    detail: Mapping[str, object]


def planned_offsets(protocol: Protocol) -> list[list[float]]:
    """Seconds from the run's start to each phase's planned start, by round and phase."""
    offsets, at = [], 0.0
    for _ in range(protocol.rounds.count):
        row = []
        for phase in protocol.phases:
            row.append(at)
            at += phase.duration_seconds
        offsets.append(row)
    return offsets


def run_of_room(
    protocol: Protocol,
    room_id: str,
    label: str,
    rows: Sequence[LogRow],
    protocol_of: Callable[[str], Protocol] | None = None,
) -> RoomRun:
    """A room's run from its log rows (in log order). A format switch (``run.reformed``)
    ends what ran and reads what follows in the new protocol (``protocol_of``)."""
    run = RoomRun(room_id, label)
    offsets = planned_offsets(protocol)
    current: PhaseRun | None = None
    last_seen = 0.0

    def close(at: float, why: str) -> None:
        nonlocal current
        if current is None:
            return
        if current._paused_at is not None:
            current.paused_seconds += at - current._paused_at
            current._paused_at = None
        if current._overtime_at is not None:
            current.overtime_seconds += at - current._overtime_at
            current._overtime_at = None
        current.end = at
        current.ended_by = why
        current = None

    for row in rows:
        last_seen = max(last_seen, row.at)
        events = row.detail.get("events")
        if not isinstance(events, list):
            continue
        for item in events:
            if not isinstance(item, dict):
                continue
            name, at = str(item.get("name", "")), float(item.get("at", row.at))
            if name == "run.started" and run.started_at is None:
                run.started_at = at
            elif name == "phase.started":
                close(at, row.action if row.action != "tick" else "time_up")
                round_index = int(item.get("round_index", 0))
                phase_index = int(item.get("phase_index", 0))
                phase = protocol.phases[phase_index]
                base = run.started_at if run.started_at is not None else at
                current = PhaseRun(
                    round_index=round_index,
                    phase_index=phase_index,
                    phase_id=phase.id,
                    title=phase.title,
                    planned_start=base + offsets[round_index][phase_index],
                    planned_seconds=float(phase.duration_seconds),
                    start=at,
                )
                run.phases.append(current)
            elif name == "phase.ended":
                close(at, str(item.get("reason", row.action)))
            elif current is not None and name == "run.paused":
                current.pauses += 1
                current._paused_at = at
            elif current is not None and name == "run.resumed" and current._paused_at is not None:
                current.paused_seconds += at - current._paused_at
                current._paused_at = None
            elif current is not None and name == "phase.time_adjusted":
                current.added_seconds += float(item.get("seconds", 0.0))
            elif current is not None and name == "phase.overtime":
                current._overtime_at = at
            elif name == "run.finished":
                close(at, "finish")
                run.finished_at = at
            elif name == "run.recalled":
                close(at, "recall")
                run.recalled_at = at
            elif name == "run.reformed" and protocol_of is not None:
                close(at, "switch_format")
                before, after = str(item.get("from_protocol_id", "")), str(item.get("protocol_id"))
                run.reformed.append((at, before, after))
                protocol = protocol_of(after)
                offsets = planned_offsets(protocol)
                run.started_at = run.finished_at = None
    if current is not None and current._paused_at is not None:
        current.paused_seconds += last_seen - current._paused_at
        current._paused_at = None
    return run


def help_waits(
    rows: Sequence[LogRow], asked: Mapping[str, tuple[str, str, float]]
) -> list[HelpWait]:
    """Each help request (id -> role, phase, asked at) with its first claim or resolution."""
    answered: dict[str, tuple[float, str]] = {}
    for row in rows:
        if row.action in ("help.claimed", "help.resolved"):
            help_id = str(row.detail.get("help_id", ""))
            if help_id and help_id not in answered:
                answered[help_id] = (row.at, row.actor)
    waits = []
    for help_id, (role, phase_id, at) in asked.items():
        when, who = answered.get(help_id, (None, ""))
        waits.append(HelpWait(help_id, role, phase_id, at, when, who))
    return sorted(waits, key=lambda wait: wait.asked_at)
