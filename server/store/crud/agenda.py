"""An event's agenda row: read, insert, compare-and-set."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.agenda import (
    Agenda,
    segments_from_json,
    segments_to_json,
    state_from_json,
    state_to_json,
)
from server.store.models import AgendaRow

AGENDA = AgendaRow.__table__  # type: ignore[attr-defined]


async def get_agenda(session: AsyncSession, *, event_id: str) -> Agenda | None:
    row = (
        (await session.execute(select(AGENDA).where(AGENDA.c.event_id == event_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Agenda(
        segments_from_json(row["segments"]), state_from_json(row["state"], row["version"])
    )


async def insert_agenda(session: AsyncSession, *, event_id: str, agenda: Agenda) -> None:
    await session.execute(
        insert(AGENDA).values(
            event_id=event_id,
            segments=segments_to_json(agenda.segments),
            state=state_to_json(agenda.state),
            version=agenda.state.version,
        )
    )


async def write_agenda(
    session: AsyncSession, *, event_id: str, expected_version: int, agenda: Agenda
) -> bool:
    """Compare-and-set: store ``agenda`` only if the row is still at ``expected_version``."""
    result = await session.execute(
        update(AGENDA)
        .where(AGENDA.c.event_id == event_id, AGENDA.c.version == expected_version)
        .values(
            segments=segments_to_json(agenda.segments),
            state=state_to_json(agenda.state),
            version=agenda.state.version,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
