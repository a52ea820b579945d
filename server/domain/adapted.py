"""An event's own phase lengths ("modified consultancies", seed 000): a protocol adapted.

Rules:
- An adapted protocol is its base protocol with every phase given a new length,
  written as the protocol files write durations ("4m", "90s", "1m30s") and
  validated by the same model, so every rule a file obeys still holds.
- Its id names the base and the lengths in seconds (``t4tla-consultancy~240-240-420-420-180``):
  any process rebuilds it from the id alone, so rooms' run states carry it like
  any protocol id, and nothing else needs storing.
- Lengths equal to the base's give back the base itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from server.domain.protocol import Protocol, parse_duration

SEPARATOR = "~"


class AdaptationError(ValueError):
    """Lengths that do not fit the base protocol; ``field`` names the one at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def adapted_id(base_id: str, seconds: Sequence[int]) -> str:
    return f"{base_id}{SEPARATOR}{'-'.join(str(value) for value in seconds)}"


def split_id(protocol_id: str) -> tuple[str, tuple[int, ...]] | None:
    """(base id, lengths in seconds) of an adapted protocol's id; None for a plain id."""
    base, separator, lengths = protocol_id.partition(SEPARATOR)
    if not separator:
        return None
    try:
        seconds = tuple(int(part) for part in lengths.split("-"))
    except ValueError:
        raise AdaptationError(
            f"not an adapted protocol id: {protocol_id!r}", "protocol_id"
        ) from None
    return base, seconds


def base_id(protocol_id: str) -> str:
    return protocol_id.partition(SEPARATOR)[0]


def lengths_in_seconds(base: Protocol, lengths: Sequence[str]) -> tuple[int, ...]:
    """Durations as the files write them, one per phase of ``base``, in seconds."""
    if len(lengths) != len(base.phases):
        names = ", ".join(phase.title for phase in base.phases)
        raise AdaptationError(
            f"{base.title} has {len(base.phases)} phases ({names}): give one length each, "
            f"got {len(lengths)}",
            "phase_lengths",
        )
    seconds = []
    for index, length in enumerate(lengths):
        try:
            seconds.append(parse_duration(length))
        except ValueError as error:
            raise AdaptationError(str(error), f"phase_lengths[{index}]") from None
    return tuple(seconds)


def adapt(base: Protocol, seconds: Sequence[int]) -> Protocol:
    """``base`` with these phase lengths (validated as a protocol file would be)."""
    if len(seconds) != len(base.phases):
        raise AdaptationError(
            f"{base.title} has {len(base.phases)} phases, got {len(seconds)} lengths",
            "phase_lengths",
        )
    if tuple(seconds) == tuple(phase.duration_seconds for phase in base.phases):
        return base
    data = base.model_dump(by_alias=True)
    for phase, length in zip(data["phases"], seconds, strict=True):
        phase["duration"] = f"{length}s"
    minutes = "/".join(_minutes(length) for length in seconds)
    data["notes"] = (base.notes + "\n\n" if base.notes else "") + (
        f"Phase lengths adapted for this event: {minutes} (minutes)."
    )
    try:
        adapted = Protocol.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise AdaptationError(first["msg"], "phase_lengths") from None
    return adapted.model_copy(update={"id": adapted_id(base.id, seconds)})


def _minutes(seconds: int) -> str:
    whole, rest = divmod(seconds, 60)
    return f"{whole}" if not rest else f"{whole}:{rest:02d}"
