"""What participants may ask of what is kept (seed 001, Appendix 3): a copy, and deletion.

Rules:
- An uber moderator (or the admin key) exports the whole event; a team member
  exports their own team's: the team, its room, its notes and final thoughts,
  and its room's timing log. Moderators and observers export nothing here.
  As JSON, or as CSV one section at a time; CSV cells a spreadsheet would run as
  formulas are neutralised (``server.spreadsheet``).
- An uber moderator (or the admin key) deletes the event and everything about it
  in one transaction, after typing its title to confirm: every table's rows of
  the event go (the schema's ON DELETE CASCADE), so no row is left behind, not
  even a log row (the deletion is written to the server's own log instead).
  After the commit every process forgets its links and closes their
  connections, and its timers are dropped.
- With ``retention_days`` set, events are deleted that many days after their
  main-room time, by a periodic sweep in every process (deleting twice is
  harmless: the second finds nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.errors import Conflict, Forbidden, NotFound
from server.logs import get_logger
from server.service.asks import ask_view
from server.service.context import Context
from server.service.feedback import feedback_view
from server.service.notes import note_view
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.views import ms

log = get_logger(__name__)

Section = Literal["teams", "rooms", "notes", "feedback", "asks", "log"]
SECTIONS: tuple[Section, ...] = ("teams", "rooms", "notes", "feedback", "asks", "log")
PURGE_EVERY_SECONDS = 3600.0
EMPTY_HEADERS: dict[Section, tuple[str, ...]] = {
    "teams": (
        "id",
        "name",
        "organisation",
        "members",
        "emails",
        "challenge",
        "request",
        "stage",
        "state",
        "tags",
    ),
    "rooms": ("id", "label", "video_room", "moderator_name", "team_ids"),
    "notes": (
        "id",
        "room_id",
        "owner",
        "team_id",
        "round_index",
        "phase_id",
        "role",
        "text",
        "shared",
        "version",
        "updated_by",
        "updated_at",
    ),
    "feedback": (
        "id",
        "room_id",
        "team_id",
        "round_index",
        "role",
        "most_useful",
        "more_useful",
        "version",
        "updated_by",
        "updated_at",
    ),
    "asks": (
        "id",
        "room_id",
        "round_index",
        "phase_id",
        "kind",
        "status",
        "requested_by",
        "decided_by",
        "version",
        "created_at",
        "decided_at",
    ),
    "log": ("room_id", "at", "actor", "action", "version_before", "version_after", "detail"),
}
"""A section's columns when it has no rows (the same as its rows' keys)."""


class DataRights:
    def __init__(self, context: Context, writes: WritePath) -> None:
        self.context = context
        self.writes = writes
        self._purging: asyncio.Task[None] | None = None

    # -- export -----------------------------------------------------------------------

    async def export(self, principal: Principal) -> dict[str, Any]:
        """Everything kept that the caller may take away, JSON-ready."""
        if not principal.is_uber and not (principal.access == "member" and principal.team_id):
            raise Forbidden(
                "an event's data is exported by an uber moderator, a team's by its members"
            )

        async def read(session: AsyncSession) -> dict[str, Any]:
            event = await crud.get_event(session, event_id=principal.event_id)
            if event is None:
                raise NotFound(f"no event with id {principal.event_id!r}")
            setup = await crud.load_setup(
                session, event_id=principal.event_id, version=event.setup_version
            )
            rooms = sorted(setup.rooms.values(), key=lambda room: (room.position, room.id))
            teams = list(setup.teams.values())
            notes = await crud.list_notes(session, event_id=principal.event_id)
            feedback = await crud.list_feedback(session, event_id=principal.event_id)
            asks = await crud.list_room_requests(session, event_id=principal.event_id)
            entries = await crud.read_log(session, event_id=principal.event_id)
            if not principal.is_uber:  # one team's
                team_id, room_id = principal.team_id, principal.room_id
                teams = [team for team in teams if team.id == team_id]
                rooms = [room for room in rooms if room.id == room_id]
                notes = [note for note in notes if note.team_id == team_id]
                feedback = [answers for answers in feedback if answers.team_id == team_id]
                asks = [ask for ask in asks if ask.room_id == room_id]
                entries = [entry for entry in entries if entry.room_id == room_id]
            return {
                "scope": "event" if principal.is_uber else "team",
                "exported_at": ms(self.context.clock.now()),
                "event": {
                    "id": event.id,
                    "title": event.title,
                    "protocol_id": event.protocol_id,
                    "scheduled_start": ms(event.scheduled_start),
                    "main_room_at": ms(event.main_room_at),
                    "status": event.state.status.value,
                },
                "teams": [
                    {
                        "id": team.id,
                        "name": team.name,
                        "organisation": team.organisation,
                        "members": list(team.members),
                        "emails": list(team.emails),
                        "challenge": team.challenge,
                        "request": team.request,
                        "stage": team.stage,
                        "state": team.state,
                        "tags": list(team.tags),
                    }
                    for team in teams
                ],
                "rooms": [
                    {
                        "id": room.id,
                        "label": room.label,
                        "video_room": room.video_room,
                        "moderator_name": room.moderator_name,
                        "team_ids": list(room.team_ids),
                    }
                    for room in rooms
                ],
                "notes": [note_view(note).model_dump() for note in notes],
                "feedback": [feedback_view(answers).model_dump() for answers in feedback],
                "asks": [ask_view(ask).model_dump() for ask in asks],
                "log": [
                    {
                        "room_id": entry.room_id,
                        "at": ms(entry.at),
                        "actor": entry.actor,
                        "action": entry.action,
                        "version_before": entry.version_before,
                        "version_after": entry.version_after,
                        "detail": dict(entry.detail),
                    }
                    for entry in entries
                ],
            }

        return await self.writes.read(read)

    # -- deletion ----------------------------------------------------------------------

    async def delete_event(self, principal: Principal, *, confirm: str | None) -> str:
        """Delete the caller's event and everything about it; returns its title."""
        principal.require_uber("delete the event")
        return await self._delete(principal.event_id, by=principal.actor, confirm=confirm)

    async def _delete(self, event_id: str, *, by: str, confirm: str | None) -> str:
        async def attempt(tx: Tx) -> str:
            event = await crud.get_event(tx.session, event_id=event_id)
            if event is None:
                raise NotFound(f"no event with id {event_id!r}")
            if confirm is not None and confirm != event.title:
                raise Conflict(
                    f"to delete it, type the event's title exactly: {event.title!r}",
                    field="confirm",
                )
            links = await crud.list_links(tx.session, event_id=event_id)
            setup = await crud.load_setup(
                tx.session, event_id=event_id, version=event.setup_version
            )
            await crud.delete_event(tx.session, event_id=event_id)
            tx.links_gone(
                event_id,
                [link.link_id for link in links if not link.revoked],
                reason="this event was deleted, with everything kept about it",
            )
            for room_id in setup.rooms:
                tx.remind(f"room:{room_id}", None)
            tx.remind(f"event:{event_id}", None)
            return event.title

        title = await self.writes.run(attempt, what="the event")
        log.warning("event.deleted", event_id=event_id, by=by, title=title)
        return title

    # -- retention ----------------------------------------------------------------------

    async def purge_expired(self) -> list[str]:
        """Delete every event past its retention (none if no retention is set)."""
        days = self.context.settings.retention_days
        if days is None:
            return []
        before = self.context.clock.now() - days * 86400

        async def expired(session: AsyncSession) -> list[str]:
            return await crud.events_ended_before(session, instant=before)

        deleted = []
        for event_id in await self.writes.read(expired):
            with contextlib.suppress(NotFound):  # another process got there first
                await self._delete(event_id, by="retention", confirm=None)
                deleted.append(event_id)
        return deleted

    def start(self) -> None:
        if self.context.settings.retention_days is not None:
            self._purging = asyncio.create_task(self._purge_loop(), name="retention")

    async def stop(self) -> None:
        if self._purging is not None:
            self._purging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purging
            self._purging = None

    async def _purge_loop(self) -> None:
        while True:
            try:
                await self.purge_expired()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention.purge_failed")
            await asyncio.sleep(PURGE_EVERY_SECONDS)
