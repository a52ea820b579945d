"""Reflection-form responses: inserted at version 1, then changed only by a compare-and-set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.store.crud.rows import FORM_RESPONSE
from server.store.models import new_id


@dataclass(frozen=True, slots=True)
class FormResponse:
    id: str
    event_id: str
    form_id: str
    link_id: str
    team_id: str | None
    room_id: str | None
    answers: Mapping[str, str]
    version: int
    updated_by: str
    created_at: float
    updated_at: float


def _response(values: Mapping[Any, Any]) -> FormResponse:
    return FormResponse(**{name: values[name] for name in FormResponse.__dataclass_fields__})


async def find_form_response(
    session: AsyncSession, *, event_id: str, form_id: str, link_id: str
) -> FormResponse | None:
    query = select(FORM_RESPONSE).where(
        FORM_RESPONSE.c.event_id == event_id,
        FORM_RESPONSE.c.form_id == form_id,
        FORM_RESPONSE.c.link_id == link_id,
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _response(row)


async def insert_form_response(
    session: AsyncSession,
    *,
    event_id: str,
    form_id: str,
    link_id: str,
    team_id: str | None,
    room_id: str | None,
    answers: Mapping[str, str],
    by: str,
    now: float,
) -> FormResponse:
    values = {
        "id": new_id(),
        "event_id": event_id,
        "form_id": form_id,
        "link_id": link_id,
        "team_id": team_id,
        "room_id": room_id,
        "answers": dict(answers),
        "version": 1,
        "updated_by": by,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert(FORM_RESPONSE).values(**values))
    return _response(values)


async def write_form_response(
    session: AsyncSession, *, before: FormResponse, answers: Mapping[str, str], by: str, now: float
) -> bool:
    """Compare-and-set: new answers only if the response is still at ``before.version``."""
    result = await session.execute(
        update(FORM_RESPONSE)
        .where(FORM_RESPONSE.c.id == before.id, FORM_RESPONSE.c.version == before.version)
        .values(answers=dict(answers), version=before.version + 1, updated_by=by, updated_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def list_form_responses(
    session: AsyncSession, *, event_id: str, form_id: str | None = None
) -> list[FormResponse]:
    query = select(FORM_RESPONSE).where(FORM_RESPONSE.c.event_id == event_id)
    if form_id is not None:
        query = query.where(FORM_RESPONSE.c.form_id == form_id)
    query = query.order_by(FORM_RESPONSE.c.created_at, FORM_RESPONSE.c.id)
    return [_response(row) for row in (await session.execute(query)).mappings()]
