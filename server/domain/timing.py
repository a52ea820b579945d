"""Does the plan fit the session window? The numbers, in words a planner can act on.

Rules: the window runs from the event's start to its main-room time; what must
fit in it is every round of the protocol (at the event's own phase lengths) and
the main-room segments of the agenda before and after the breakouts. A plan that
does not fit is not refused (fit to time can still compress it later): the
check says by how much, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.protocol import Protocol

NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True, slots=True)
class TimingCheck:
    needed_seconds: float
    window_seconds: float
    fits: bool
    message: str


def minutes_text(seconds: float) -> str:
    whole, rest = divmod(round(seconds), 60)
    return f"{whole} min" if not rest else f"{whole} min {rest} s"


def check_window(
    protocol: Protocol, *, start: float, main_room_at: float, main_room_seconds: float = 0.0
) -> TimingCheck:
    rounds = protocol.rounds.count
    breakouts = float(protocol.total_seconds)
    needed = breakouts + main_room_seconds
    window = main_room_at - start
    counted = NUMBERS[rounds] if rounds < len(NUMBERS) else str(rounds)
    what = f"{counted} round{'s' if rounds != 1 else ''} take{'s' if rounds == 1 else ''} " + (
        minutes_text(breakouts)
    )
    if main_room_seconds:
        what += f" and the main-room segments {minutes_text(main_room_seconds)}"
    if needed <= window:
        spare = window - needed
        return TimingCheck(
            needed,
            window,
            True,
            f"{what}; the window is {minutes_text(window)}"
            + (f" ({minutes_text(spare)} to spare)" if spare >= 30 else ""),
        )
    return TimingCheck(
        needed,
        window,
        False,
        f"{what}; the window is {minutes_text(window)}: shorten phases, start earlier, "
        "or fit to time later",
    )
