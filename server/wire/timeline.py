"""A protocol's timeline: its rounds and phases laid end to end, as plain data.

Used by the CLI (``consult protocols show``) and by the server to describe a
protocol to clients. Offsets are seconds from the start of the run, assuming
every phase takes its defined length and rounds follow each other directly.
"""

from __future__ import annotations

from typing import Any

from server.domain.protocol import Protocol
from server.domain.seating import extra_roles


def seat_label(protocol: Protocol, seat_index: int) -> str:
    noun = "Team" if protocol.room.kind == "team" else "Person"
    return f"{noun} {seat_index + 1}"


def timeline(protocol: Protocol) -> dict[str, Any]:
    """The protocol as JSON-ready data: rounds, seating, phases with offsets."""
    rounds: list[dict[str, Any]] = []
    offset = 0
    for round_index in range(protocol.rounds.count):
        seating = protocol.seating_for_round(round_index)
        phases: list[dict[str, Any]] = []
        for phase in protocol.phases:
            phases.append(
                {
                    "id": phase.id,
                    "title": phase.title,
                    "duration_seconds": phase.duration_seconds,
                    "starts_at_seconds": offset,
                    "on_time_up": phase.on_time_up or protocol.on_time_up,
                    "summary": phase.summary,
                    "speakers": list(phase.speakers),
                    "instructions": dict(phase.instructions),
                    "prompts": list(phase.prompts),
                }
            )
            offset += phase.duration_seconds
        rounds.append(
            {
                "number": round_index + 1,
                "seating": [
                    {"seat": seat_label(protocol, seat), "role": role_id}
                    for seat, role_id in enumerate(seating)
                ],
                "duration_seconds": protocol.round_seconds,
                "phases": phases,
            }
        )
    return {
        "id": protocol.id,
        "title": protocol.title,
        "version": protocol.version,
        "description": protocol.description,
        "source": protocol.source,
        "notes": protocol.notes,
        "roles": [role.model_dump() for role in protocol.roles],
        "room": protocol.room.model_dump(),
        "extra_roles": list(extra_roles(protocol)),
        "rotation": protocol.rounds.rotation,
        "between_rounds": protocol.rounds.between,
        "warning_seconds": protocol.warning_seconds,
        "round_seconds": protocol.round_seconds,
        "total_seconds": protocol.total_seconds,
        "rounds": rounds,
    }


def clock(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}:{seconds:02d}"


def render_text(protocol: Protocol, *, instructions: bool = True) -> str:
    """A human-readable timeline for a terminal."""
    lines = [
        f"{protocol.title} ({protocol.id}, version {protocol.version})",
        f"  {protocol.rounds.count} round(s) of {clock(protocol.round_seconds)}, "
        f"{clock(protocol.total_seconds)} in all; roles {protocol.rounds.rotation} between rounds",
    ]
    data = timeline(protocol)
    for round_data in data["rounds"]:
        seating = ", ".join(
            f"{seat['seat']}: {protocol.role(seat['role']).title}" for seat in round_data["seating"]
        )
        lines.append("")
        lines.append(f"Round {round_data['number']}  ({seating})")
        for phase in round_data["phases"]:
            speakers = ", ".join(protocol.role(role_id).title for role_id in phase["speakers"])
            lines.append(
                f"  {clock(phase['starts_at_seconds']):>6}  {phase['title']:<40} "
                f"{clock(phase['duration_seconds']):>6}  speaking: {speakers}"
            )
            if instructions:
                for role_id, text in phase["instructions"].items():
                    lines.append(f"            {protocol.role(role_id).title}: {text}")
    return "\n".join(lines)
