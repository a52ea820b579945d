"""Reflection forms in an event: who answers, how answers are kept, how they add up.

Rules:
- An event offers the shipped forms that belong to its protocol (``server.forms``).
- Everyone with a link answers, as a person (their link; a team member's answers
  also name their team and room), once per form, and may change their answers.
  Answers are checked against the form (``server.domain.forms``) and kept by a
  compare-and-set on their version (0: none yet) with a log row (which questions
  were answered, never the answers), acknowledged after the commit.
- Nothing is written before the link's holder accepted the notice on what is kept.
- Uber moderators read every form's results: each scale question's counts on the
  five points, every text answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain.forms import SCALE, AnswerRefused, Form, FormResult, aggregate, check_answers
from server.errors import BadRequest, Conflict, NotFound
from server.forms import FormLibrary
from server.service.notes import require_consent
from server.service.tx import LostRace, Tx
from server.service.write_path import WritePath
from server.store import crud


def form_json(form: Form) -> dict[str, Any]:
    return {
        "id": form.id,
        "title": form.title,
        "description": form.description,
        "source": form.source,
        "scale": [{"value": value, "label": label} for value, label in SCALE],
        "questions": [{"id": q.id, "kind": q.kind, "prompt": q.prompt} for q in form.questions],
    }


def response_json(response: crud.FormResponse) -> dict[str, Any]:
    return {
        "id": response.id,
        "form_id": response.form_id,
        "answers": dict(response.answers),
        "version": response.version,
        "updated_at": response.updated_at * 1000,
    }


class FormDesk:
    def __init__(self, forms: FormLibrary, writes: WritePath) -> None:
        self.forms = forms
        self.writes = writes

    async def _event_forms(self, session: AsyncSession, event_id: str) -> list[Form]:
        event = await crud.get_event(session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        return self.forms.for_protocol(event.protocol_id)

    def _form(self, forms: list[Form], form_id: str) -> Form:
        form = next((form for form in forms if form.id == form_id), None)
        if form is None:
            known = ", ".join(form.id for form in forms) or "none"
            raise NotFound(f"no form {form_id!r} in this event; its forms: {known}")
        return form

    async def offered(self, principal: Principal) -> dict[str, Any]:
        """The event's forms, and the caller's own answers to them."""

        async def read(session: AsyncSession) -> dict[str, Any]:
            forms = await self._event_forms(session, principal.event_id)
            mine = [
                response
                for response in await crud.list_form_responses(session, event_id=principal.event_id)
                if response.link_id == principal.link_id
            ]
            return {
                "forms": [form_json(form) for form in forms],
                "mine": [response_json(response) for response in mine],
            }

        return await self.writes.read(read)

    async def answer(
        self,
        principal: Principal,
        *,
        form_id: str,
        answers: Mapping[str, str],
        expected_version: int,
    ) -> dict[str, Any]:
        async def attempt(tx: Tx) -> dict[str, Any]:
            await require_consent(tx, principal)
            form = self._form(await self._event_forms(tx.session, principal.event_id), form_id)
            try:
                kept = check_answers(form, answers)
            except AnswerRefused as refused:
                # A question the form does not have is missing (404); a bad answer, 422.
                error = NotFound if refused.missing else BadRequest
                raise error(refused.message, field=refused.field) from None
            found = await crud.find_form_response(
                tx.session, event_id=principal.event_id, form_id=form_id, link_id=principal.link_id
            )
            current = 0 if found is None else found.version
            if current != expected_version:
                raise Conflict(
                    f"your answers were saved elsewhere meanwhile (now version {current}, you "
                    f"had {expected_version})",
                    field="expected_version",
                )
            if found is None:
                try:
                    response = await crud.insert_form_response(
                        tx.session,
                        event_id=principal.event_id,
                        form_id=form_id,
                        link_id=principal.link_id,
                        team_id=principal.team_id,
                        room_id=principal.room_id,
                        answers=kept,
                        by=principal.actor,
                        now=tx.now,
                    )
                except IntegrityError:
                    raise LostRace("a new form response") from None
            else:
                response = tx.change_form_response(found, kept, actor=principal.actor)
            tx.log(
                principal.event_id,
                principal.room_id,
                principal.actor,
                "form.answer",
                detail={"form_id": form_id, "answered": sorted(kept)},
                versions=(current, response.version),
            )
            return response_json(response)

        return await self.writes.run(attempt, what="the answers")

    async def results(self, principal: Principal, *, form_id: str) -> tuple[Form, FormResult]:
        principal.require_uber("read the forms' results")

        async def read(session: AsyncSession) -> tuple[Form, FormResult]:
            form = self._form(await self._event_forms(session, principal.event_id), form_id)
            responses = await crud.list_form_responses(
                session, event_id=principal.event_id, form_id=form_id
            )
            return form, aggregate(form, [response.answers for response in responses])

        return await self.writes.read(read)
