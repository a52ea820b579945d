"""The whole session on one clock: main-room segments around the breakouts.

Rules (seed 000's session: a welcome in the main room, the breakouts, then all
pairs convened in the main room):
- An agenda is its segments in order: main-room segments (a welcome, a
  whole-group debrief, a close; each with a length) and exactly one
  ``breakouts`` segment, the rooms' time, which runs from the event's start to
  its main-room time.
- Planned times: the segments before the breakouts end when the breakouts
  start (the event's start); those after begin at the main-room time. So the
  agenda and the breakouts' fit to time use one session window.
- The uber runs the main-room segments as a moderator runs a room: start the
  session, next segment, back, add or remove time, pause and resume. A
  main-room segment's time running out holds it in overtime (counting up)
  until the uber moves on: the main room has no breakout to close.
- The agenda follows the rooms: the first room starting moves it to the
  breakouts; the end of the recall moves it to the first segment after them,
  started at that instant.
- Every change adds one to the version (compare-and-set, like a room); a
  command made against another version is refused, saying what got there first.
- Pure: ``now`` is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from server.domain.errors import EngineError

SegmentKind = Literal["main", "breakouts"]
Part = Literal["before", "after"]
AgendaAction = Literal["start", "next", "back", "pause", "resume", "adjust_time"]


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    title: str
    seconds: int
    kind: SegmentKind = "main"


DEFAULT_SEGMENTS = (
    Segment("welcome", "Welcome", 600),
    Segment("breakouts", "Breakout rooms", 0, "breakouts"),
    Segment("debrief", "Whole-group debrief", 900),
    Segment("close", "Close", 300),
)


@dataclass(frozen=True, slots=True)
class AgendaState:
    index: int = -1
    """The current segment; -1 before the session starts, len(segments) once it is over."""
    started_at: float | None = None
    added: float = 0.0
    paused_at: float | None = None
    paused: float = 0.0
    version: int = 0
    last_action: str = ""
    last_by: str = ""
    last_at: float | None = None


@dataclass(frozen=True, slots=True)
class Agenda:
    segments: tuple[Segment, ...] = DEFAULT_SEGMENTS
    state: AgendaState = AgendaState()

    @property
    def breakouts_index(self) -> int:
        return next(i for i, segment in enumerate(self.segments) if segment.kind == "breakouts")

    @property
    def current(self) -> Segment | None:
        index = self.state.index
        return self.segments[index] if 0 <= index < len(self.segments) else None

    def main_room_seconds(self) -> int:
        return sum(segment.seconds for segment in self.segments if segment.kind == "main")

    def before_seconds(self) -> int:
        return sum(segment.seconds for segment in self.segments[: self.breakouts_index])


class AgendaError(EngineError):
    code = "agenda.refused"


class AgendaStale(AgendaError):
    code = "agenda.stale"


# -- building ----------------------------------------------------------------------------


def build_segments(
    items: Sequence[tuple[str, int, Part]],
) -> tuple[Segment, ...]:
    """Segments from (title, seconds, before/after the breakouts), in order within each
    part; the breakouts between them. Ids are made from the titles, each once."""
    segments: list[Segment] = []
    used: set[str] = {"breakouts"}
    for part in ("before", "after"):
        if part == "after":
            segments.append(Segment("breakouts", "Breakout rooms", 0, "breakouts"))
        for title, seconds, where in items:
            if where != part:
                continue
            base = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())
            slug = base or "segment"
            number = 2
            while slug in used:
                slug = f"{base or 'segment'}-{number}"
                number += 1
            used.add(slug)
            segments.append(Segment(slug, title.strip(), seconds))
    return tuple(segments)


def planned(agenda: Agenda, *, breakouts_start: float, main_room_at: float) -> list[float]:
    """Each segment's planned start (epoch seconds)."""
    starts: list[float] = []
    at = breakouts_start - agenda.before_seconds()
    for segment in agenda.segments:
        if segment.kind == "breakouts":
            starts.append(breakouts_start)
            at = main_room_at
            continue
        starts.append(at)
        at += segment.seconds
    return starts


# -- reading -----------------------------------------------------------------------------


def deadline(agenda: Agenda, *, main_room_at: float) -> float | None:
    """When the current segment's countdown reaches zero (None: not started, over, or
    paused)."""
    state, segment = agenda.state, agenda.current
    if segment is None or state.started_at is None or state.paused_at is not None:
        return None
    if segment.kind == "breakouts":
        return main_room_at + state.added
    return state.started_at + segment.seconds + state.added + state.paused


def remaining(agenda: Agenda, now: float, *, main_room_at: float) -> float | None:
    state, segment = agenda.state, agenda.current
    if segment is None or state.started_at is None:
        return None
    if state.paused_at is not None:
        return state.started_at + segment.seconds + state.added + state.paused - state.paused_at
    end = deadline(agenda, main_room_at=main_room_at)
    return None if end is None else end - now


# -- deciding ----------------------------------------------------------------------------


def _moved(agenda: Agenda, state: AgendaState, action: str, by: str, now: float) -> Agenda:
    return replace(
        agenda,
        state=replace(
            state, version=agenda.state.version + 1, last_action=action, last_by=by, last_at=now
        ),
    )


def _at(index: int, now: float) -> AgendaState:
    return AgendaState(index=index, started_at=now)


def command(
    agenda: Agenda,
    action: AgendaAction,
    *,
    expected_version: int,
    by: str,
    now: float,
    seconds: float | None = None,
) -> Agenda:
    """The uber's command on the main-room clock; ``AgendaError`` says why not."""
    state = agenda.state
    if expected_version != state.version:
        who = f" ({state.last_action} by {state.last_by})" if state.last_action else ""
        raise AgendaStale(
            f"the agenda changed since you saw it{who}: it is at version {state.version}, "
            f"not {expected_version}; look again"
        )
    last = len(agenda.segments)
    if action == "start":
        if state.index >= 0:
            raise AgendaError("the session has started already")
        return _moved(agenda, _at(0, now), action, by, now)
    if state.index < 0:
        raise AgendaError("the session has not started: start it first")
    if action == "next":
        if state.index >= last:
            raise AgendaError("the session is over: there is no next segment")
        return _moved(agenda, _at(state.index + 1, now), action, by, now)
    if action == "back":
        if state.index == 0:
            raise AgendaError("this is the first segment: there is none before it")
        return _moved(agenda, _at(state.index - 1, now), action, by, now)
    if state.index >= last:
        raise AgendaError("the session is over")
    if action == "pause":
        if state.paused_at is not None:
            raise AgendaError("the segment is paused already")
        if agenda.segments[state.index].kind == "breakouts":
            raise AgendaError("the breakouts run in their rooms: pause them there (pause all)")
        return _moved(agenda, replace(state, paused_at=now), action, by, now)
    if action == "resume":
        if state.paused_at is None:
            raise AgendaError("the segment is not paused")
        paused = state.paused + (now - state.paused_at)
        return _moved(agenda, replace(state, paused_at=None, paused=paused), action, by, now)
    if agenda.segments[state.index].kind == "breakouts":
        raise AgendaError(
            "the breakouts end at the main-room time: add time in the rooms, or recall"
        )
    if seconds is None or seconds == 0:
        raise AgendaError("adjust_time needs 'seconds' (negative to remove time)")
    return _moved(agenda, replace(state, added=state.added + seconds), action, by, now)


RoomsMoment = Literal["started", "returned"]


def follow_rooms(agenda: Agenda, moment: RoomsMoment, now: float) -> Agenda | None:
    """The agenda after the rooms moved: the first room started (to the breakouts), or
    everyone is back in the main room (to the segment after the breakouts). None if it
    is there or past it already."""
    target = agenda.breakouts_index + (1 if moment == "returned" else 0)
    if agenda.state.index >= target:
        return None
    action = "breakouts" if moment == "started" else "main_room"
    return _moved(agenda, _at(target, now), action, "timer", now)


# -- storing -----------------------------------------------------------------------------


def segments_to_json(segments: Sequence[Segment]) -> list[dict[str, Any]]:
    return [{"id": s.id, "title": s.title, "seconds": s.seconds, "kind": s.kind} for s in segments]


def segments_from_json(items: Sequence[Mapping[str, Any]]) -> tuple[Segment, ...]:
    return tuple(
        Segment(str(i["id"]), str(i["title"]), int(i["seconds"]), i.get("kind", "main"))
        for i in items
    )


def state_to_json(state: AgendaState) -> dict[str, Any]:
    return {
        "index": state.index,
        "started_at": state.started_at,
        "added": state.added,
        "paused_at": state.paused_at,
        "paused": state.paused,
        "last_action": state.last_action,
        "last_by": state.last_by,
        "last_at": state.last_at,
    }


def state_from_json(data: Mapping[str, Any], version: int) -> AgendaState:
    return AgendaState(
        index=int(data.get("index", -1)),
        started_at=data.get("started_at"),
        added=float(data.get("added", 0.0)),
        paused_at=data.get("paused_at"),
        paused=float(data.get("paused", 0.0)),
        version=version,
        last_action=str(data.get("last_action", "")),
        last_by=str(data.get("last_by", "")),
        last_at=data.get("last_at"),
    )
