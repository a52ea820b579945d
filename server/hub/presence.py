"""Who is connected, by event, room and process: the book every process keeps. No I/O.

Rules:
- Each process shares the people connected through it, room by room; the book
  keeps each process's latest list for each room and merges them.
- Each process also sends a heartbeat every ``HEARTBEAT_SECONDS``; a process
  not heard from (any envelope counts) for ``EXPIRY_SECONDS`` is forgotten,
  and so are its people: a killed process's participants leave presence within
  ``EXPIRY_SECONDS`` plus one check, well inside 10 s.
- Time is a parameter (the hub passes its loop's monotonic time).
- A person is shown with the name they gave (whitespace tidied, ``tidy_name``)
  and their page's clock quality: its offset from the server's clock and the
  round trip that offset rests on. Pages ping every few seconds, so a clock
  report changes presence only when it says something new (``clock_news``):
  the first report, an offset moved by ``OFFSET_STEP_MS``, or a round trip
  moved by both ``ROUND_TRIP_STEP_MS`` and ``ROUND_TRIP_STEP_RATIO`` of what
  presence shows. Presence thus lags the page by less than those steps.
"""

from __future__ import annotations

from collections import defaultdict

from server.wire.messages import PersonView

HEARTBEAT_SECONDS = 2.0
EXPIRY_SECONDS = 6.0

OFFSET_STEP_MS = 25.0
"""An offset change this large is worth a presence message: a countdown off by it shows."""
ROUND_TRIP_STEP_MS = 50.0
ROUND_TRIP_STEP_RATIO = 0.5
"""A round trip must move by both to be news: jitter of a few ms on a fast link, or
tens of ms on a slow one, is not."""


def tidy_name(text: str) -> str:
    """A given name as shown: no leading or trailing whitespace, inner runs made one space."""
    return " ".join(text.split())


def clock_news(
    shown_offset: float | None,
    shown_round_trip: float | None,
    offset: float | None,
    round_trip: float | None,
) -> bool:
    """Whether a page's clock report (``offset``, ``round_trip``; None: not in it) differs
    enough from what presence shows (``shown_*``; None: nothing yet) to send presence again."""
    if offset is not None and (
        shown_offset is None or abs(offset - shown_offset) >= OFFSET_STEP_MS
    ):
        return True
    if round_trip is None:
        return False
    if shown_round_trip is None:
        return True
    moved = abs(round_trip - shown_round_trip)
    return moved >= ROUND_TRIP_STEP_MS and moved >= ROUND_TRIP_STEP_RATIO * shown_round_trip


class PresenceBook:
    def __init__(self, expiry: float = EXPIRY_SECONDS) -> None:
        self._expiry = expiry
        # people[event][room][process]
        self._people: dict[str, dict[str, dict[str, list[PersonView]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        # heard[event][process] = when last heard from
        self._heard: dict[str, dict[str, float]] = defaultdict(dict)

    def heard(self, event_id: str, process: str, now: float) -> None:
        self._heard[event_id][process] = now

    def put(
        self, event_id: str, room_id: str, process: str, people: list[PersonView], now: float
    ) -> None:
        self.heard(event_id, process, now)
        rooms = self._people[event_id]
        if people:
            rooms[room_id][process] = people
        else:
            rooms[room_id].pop(process, None)

    def forget_process(self, event_id: str, process: str) -> list[str]:
        """Drop a process's people from an event; returns the rooms that changed."""
        self._heard.get(event_id, {}).pop(process, None)
        changed = []
        for room_id, by_process in self._people.get(event_id, {}).items():
            if by_process.pop(process, None) is not None:
                changed.append(room_id)
        return changed

    def expire(self, now: float, *, keep: str) -> list[tuple[str, str]]:
        """Forget every process (but ``keep``, this one) silent for too long.

        Returns the (event, room) pairs whose people changed.
        """
        changed: list[tuple[str, str]] = []
        for event_id, heard in list(self._heard.items()):
            for process, at in list(heard.items()):
                if process != keep and now - at > self._expiry:
                    changed.extend(
                        (event_id, room) for room in self.forget_process(event_id, process)
                    )
        return changed

    def people(self, event_id: str, room_id: str) -> list[PersonView]:
        by_process = self._people.get(event_id, {}).get(room_id, {})
        return [person for people in by_process.values() for person in people]

    def rooms(self, event_id: str) -> list[str]:
        return list(self._people.get(event_id, {}))

    def forget_event(self, event_id: str) -> None:
        self._people.pop(event_id, None)
        self._heard.pop(event_id, None)
