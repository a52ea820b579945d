"""What one attempt at a change reads and records: the ``Tx``.

An attempt reads through its Tx in one go (a room with its event and teams, or
an event with all its rooms), lets the pure core decide, and records on the Tx
what to write (each compare-and-set and its log rows) and what to tell (the
messages, the next deadlines). ``Tx.write`` writes all of it in the attempt's
transaction; ``server.service.write_path`` runs attempts, commits, and
publishes.

Rules:
- Compare-and-sets are written in one order everywhere (events, then agendas,
  then rooms in id order, then links, then help requests, notes, room requests,
  forms, feedback), so two writers never wait on each other in a cycle; one that finds
  the version moved raises ``LostRace``.
- Every room version step is its own message and its own log row: a timer
  step that was due is recorded before the command that followed it.
- Messages are built lazily (``server.service.room_update``): serialized once,
  after the commit, so the transaction stays short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import engine
from server.domain import events as domain_events
from server.domain.agenda import Agenda
from server.domain.event import EventState, EventStatus
from server.domain.help import HelpState
from server.domain.records import Event, Feedback, HelpRequest, Note, Room, Team
from server.domain.room_requests import RoomRequest
from server.domain.state import RunState
from server.errors import NotFound
from server.hub import Audience
from server.hub.envelope import EVERYONE
from server.protocols import ProtocolLibrary
from server.service.room_update import RoomUpdate
from server.service.setup_cache import SetupCache
from server.store import crud
from server.wire.messages import AgendaUpdated, EventUpdated, HelpUpdated, SetupChanged
from server.wire.views import agenda_view, event_view, help_view


class LostRace(Exception):
    """A compare-and-set found the version moved: roll back and run the attempt again."""


NO_DETAIL: Mapping[str, object] = MappingProxyType({})
"""The detail of a step with nothing to add (one object, so rooms can share their log detail)."""
SETUP_CHANGED = SetupChanged().model_dump_json()
Payload = str | Callable[[], str]
Step = tuple[engine.Transition, str, str, Mapping[str, object]]
"""One version step of a room: the transition, who made it, the action, log details."""


@dataclass(frozen=True, slots=True)
class Publication:
    event_id: str
    payload: Payload
    audience: Audience


@dataclass(frozen=True, slots=True)
class _RoomWrite:
    room: Room
    before: RunState
    after: RunState
    next_due: float | None


@dataclass(frozen=True, slots=True)
class _EventWrite:
    event_id: str
    before: EventState
    after: EventState


@dataclass(frozen=True, slots=True)
class Revocation:
    event_id: str
    link_ids: tuple[str, ...]
    actor: str
    reason: str
    """What the links' holders are told as their connections close."""
    stored: bool = True
    """False when the links are gone with their event: nothing to compare-and-set, only
    to forget and close after the commit."""
    moved: bool = False
    """The links are not revoked: they lead to another room from now on (not stored)."""


@dataclass(frozen=True, slots=True)
class _RequestWrite:
    before: RoomRequest
    after: RoomRequest


@dataclass(frozen=True, slots=True)
class _FeedbackWrite:
    before: Feedback
    after: Feedback


@dataclass(frozen=True, slots=True)
class _NoteWrite:
    before: Note
    after: Note


@dataclass(frozen=True, slots=True)
class _HelpWrite:
    help_id: str
    before: HelpState
    after: HelpState


_EVENT_FIELDS: dict[type[domain_events.Event], tuple[str, ...]] = {}


def event_record(event: domain_events.Event) -> dict[str, object]:
    """A domain event as a log row's JSON (field by field: ``asdict`` deep-copies)."""
    kind = type(event)
    names = _EVENT_FIELDS.get(kind)
    if names is None:
        names = _EVENT_FIELDS[kind] = tuple(field.name for field in fields(kind))
    record: dict[str, object] = {"name": event.name}
    for name in names:
        record[name] = getattr(event, name)
    return record


@dataclass
class Tx:
    """One attempt's transaction: what it read, and what it will write and tell."""

    session: AsyncSession
    now: float
    protocols: ProtocolLibrary
    setups: SetupCache
    _events: list[_EventWrite] = field(default_factory=list)
    _rooms: list[_RoomWrite] = field(default_factory=list)
    _help: list[_HelpWrite] = field(default_factory=list)
    _notes: list[_NoteWrite] = field(default_factory=list)
    _feedback: list[_FeedbackWrite] = field(default_factory=list)
    _requests: list[_RequestWrite] = field(default_factory=list)
    _forms: list[tuple[crud.FormResponse, dict[str, str], str]] = field(default_factory=list)
    _logs: list[crud.LogEntry] = field(default_factory=list)
    _setup_changed: set[str] = field(default_factory=set)
    _setup_seen: dict[str, int] = field(default_factory=dict)
    _agendas: list[tuple[str, Agenda, Agenda]] = field(default_factory=list)
    event_moves: list[tuple[Event, EventStatus, EventStatus]] = field(default_factory=list)
    """Each event whose status this attempt changed: (the event after, status before, after)."""
    _details: dict[tuple[int, int], Mapping[str, object]] = field(default_factory=dict)
    publications: list[Publication] = field(default_factory=list)
    revocations: list[Revocation] = field(default_factory=list)
    schedule: list[tuple[str, float | None]] = field(default_factory=list)
    room_updates: dict[str, RoomUpdate] = field(default_factory=dict)
    """The last ``room.updated`` recorded for each room (its view is built once, on demand)."""

    # -- load -------------------------------------------------------------------------

    async def load_room(self, room_id: str, *, event_id: str | None = None) -> crud.Loaded:
        """One room with its event and teams; NotFound if missing (or in another event)."""
        events, states = await crud.load_states(self.session, room_ids=[room_id])
        if not states or (event_id is not None and states[room_id][0] != event_id):
            raise NotFound(f"no room with id {room_id!r} in this event")
        return await self.setups.loaded(self.session, events, states)

    async def load_event(self, event_id: str) -> crud.Loaded:
        """The event with every room and seated team; NotFound if missing."""
        event, states = await crud.load_event_states(self.session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        return await self.setups.loaded(
            self.session,
            {event_id: event},
            {room_id: (event_id, state) for room_id, state in states.items()},
        )

    async def load_rooms(self, room_ids: list[str]) -> crud.Loaded:
        events, states = await crud.load_states(self.session, room_ids=room_ids)
        return await self.setups.loaded(self.session, events, states)

    async def load_help(self, help_id: str, *, event_id: str) -> HelpRequest:
        found = await crud.get_help_request(self.session, help_id=help_id)
        if found is None or found.event_id != event_id:
            raise NotFound(f"no help request with id {help_id!r} in this event")
        return found

    # -- record changes ---------------------------------------------------------------------

    def change_room(
        self,
        room: Room,
        before: RunState,
        steps: Sequence[Step],
        *,
        event: Event,
        teams: Mapping[str, Team],
    ) -> RunState:
        """Record a room's version steps, each (transition, actor, action, detail): one
        compare-and-set from ``before`` to the last step's state, a log row and a
        ``room.updated`` per step. Returns the room's state after the steps."""
        state = before
        for transition, actor, action, detail in steps:
            if not transition.changed:
                continue
            after = transition.state
            # A format switch changes the run's protocol: each step is seen in its own.
            protocol = self.protocols.get(after.protocol_id)
            self._logs.append(
                crud.LogEntry(
                    event_id=room.event_id,
                    room_id=room.id,
                    actor=actor,
                    action=action,
                    at=self.now,
                    version_before=state.version,
                    version_after=after.version,
                    detail=self._detail(transition, detail),
                )
            )
            update = RoomUpdate(protocol, room, after, transition, actor, teams, event, self.now)
            self.room_updates[room.id] = update
            self.publications.append(Publication(room.event_id, update, Audience(room_id=room.id)))
            state = after
        if state is not before:
            due = engine.next_due(self.protocols.get(state.protocol_id), state)
            self._rooms.append(_RoomWrite(room, before, state, due))
            self.schedule.append((f"room:{room.id}", due))
        return state

    def _detail(
        self, transition: engine.Transition, detail: Mapping[str, object]
    ) -> Mapping[str, object]:
        """A step's log detail; rooms sharing a transition (an event-wide change) share one."""
        key = (id(transition), id(detail))
        shared = self._details.get(key)
        if shared is None:
            shared = self._details[key] = {
                **detail,
                "events": [event_record(item) for item in transition.events],
            }
        return shared

    def change_event(
        self, event: Event, after: EventState, *, actor: str, detail: Mapping[str, object]
    ) -> Event:
        """Record an event-level change: a compare-and-set on the event's version, a log
        row, and an ``event.updated`` (published where it is recorded, in order)."""
        self._events.append(_EventWrite(event.id, event.state, after))
        change = after.last_change
        self._logs.append(
            crud.LogEntry(
                event_id=event.id,
                room_id=None,
                actor=actor,
                action=f"event.{change.action if change else 'changed'}",
                at=self.now,
                version_before=event.state.version,
                version_after=after.version,
                detail={
                    "status": after.status.value,
                    "recall_deadline": after.recall_deadline,
                    **detail,
                },
            )
        )
        changed = replace(event, state=after)
        if after.status is not event.state.status:
            self.event_moves.append((changed, event.state.status, after.status))
        message = EventUpdated(event=event_view(changed), actor=actor).model_dump_json()
        self.publications.append(Publication(event.id, message, EVERYONE))
        # Every process learns when the recall ends, so whichever is alive then ends it.
        recalling = after.status is EventStatus.RECALLING and after.recall_deadline is not None
        self.schedule.append((f"event:{event.id}", after.recall_deadline if recalling else None))
        return changed

    def change_agenda(self, event: Event, before: Agenda, after: Agenda, *, actor: str) -> None:
        """Record a change of the session's agenda: a compare-and-set on its version, a
        log row, an ``agenda.updated`` to everyone."""
        self._agendas.append((event.id, before, after))
        segment = after.current
        self._logs.append(
            crud.LogEntry(
                event_id=event.id,
                room_id=None,
                actor=actor,
                action=f"agenda.{after.state.last_action}",
                at=self.now,
                version_before=before.state.version,
                version_after=after.state.version,
                detail={"index": after.state.index, "segment": segment.id if segment else None},
            )
        )
        now = self.now

        def message() -> str:
            return AgendaUpdated(agenda=agenda_view(after, event, now)).model_dump_json()

        self.publications.append(Publication(event.id, message, EVERYONE))

    def change_help(
        self, request: HelpRequest, after: HelpState, *, actor: str, action: str
    ) -> HelpRequest:
        self._help.append(_HelpWrite(request.id, request.state, after))
        changed = HelpRequest(
            id=request.id,
            event_id=request.event_id,
            room_id=request.room_id,
            round_index=request.round_index,
            phase_id=request.phase_id,
            role=request.role,
            requested_by=request.requested_by,
            message=request.message,
            created_at=request.created_at,
            state=after,
        )
        self.log(
            request.event_id,
            request.room_id,
            actor,
            action,
            detail={"help_id": request.id},
            versions=(request.state.version, after.version),
        )
        self.announce_help(changed)
        return changed

    def change_note(self, note: Note, *, text: str, shared: bool, actor: str) -> Note:
        """Record a note's new text: a compare-and-set on its version (the caller logs and
        publishes)."""
        after = replace(
            note,
            text=text,
            shared=shared,
            version=note.version + 1,
            updated_by=actor,
            updated_at=self.now,
        )
        self._notes.append(_NoteWrite(note, after))
        return after

    def change_feedback(
        self, feedback: Feedback, *, most_useful: str, more_useful: str, actor: str
    ) -> Feedback:
        """Record new answers: a compare-and-set on the feedback's version."""
        after = replace(
            feedback,
            most_useful=most_useful,
            more_useful=more_useful,
            version=feedback.version + 1,
            updated_by=actor,
            updated_at=self.now,
        )
        self._feedback.append(_FeedbackWrite(feedback, after))
        return after

    def change_form_response(
        self, before: crud.FormResponse, answers: dict[str, str], *, actor: str
    ) -> crud.FormResponse:
        """Record new answers to a form: a compare-and-set on the response's version."""
        self._forms.append((before, answers, actor))
        return replace(
            before,
            answers=answers,
            version=before.version + 1,
            updated_by=actor,
            updated_at=self.now,
        )

    def answer_request(self, before: RoomRequest, after: RoomRequest) -> None:
        """Record a room request's answer: a compare-and-set on its version."""
        self._requests.append(_RequestWrite(before, after))

    def announce_help(self, request: HelpRequest) -> None:
        message = HelpUpdated(help=help_view(request)).model_dump_json()
        self.publications.append(
            Publication(request.event_id, message, Audience(room_id=request.room_id))
        )

    def log(
        self,
        event_id: str,
        room_id: str | None,
        actor: str,
        action: str,
        *,
        detail: Mapping[str, object] | None = None,
        versions: tuple[int, int] | None = None,
    ) -> None:
        """A log row for a change made by an insert (a new team, room, link, request)."""
        self._logs.append(
            crud.LogEntry(
                event_id=event_id,
                room_id=room_id,
                actor=actor,
                action=action,
                at=self.now,
                version_before=versions[0] if versions else None,
                version_after=versions[1] if versions else None,
                detail=dict(detail or {}),
            )
        )

    def revoke_links(
        self, event_id: str, link_ids: Sequence[str], *, actor: str, reason: str
    ) -> None:
        """Revoke live links: a compare-and-set (live to revoked) each, written with the
        rest; after the commit every process forgets them and closes their connections."""
        if link_ids:
            self.revocations.append(Revocation(event_id, tuple(link_ids), actor, reason))

    def links_gone(self, event_id: str, link_ids: Sequence[str], *, reason: str) -> None:
        """Links deleted with their event: after the commit every process forgets them and
        closes their connections (there is no row left to revoke)."""
        if link_ids:
            self.revocations.append(Revocation(event_id, tuple(link_ids), "", reason, stored=False))

    def links_moved(self, event_id: str, link_ids: Sequence[str]) -> None:
        """Member links now lead to another room (or none): after the commit every process
        forgets them and closes their connections, which reconnect to the new room."""
        if link_ids:
            self.revocations.append(
                Revocation(event_id, tuple(link_ids), "", "room changed", stored=False, moved=True)
            )

    def setup_changed(self, event_id: str, *, seen: int | None = None) -> None:
        """Teams, rooms, seats or links changed: raise the event's setup version (so every
        process reads the setup afresh) and tell open pages. ``seen``: the setup version
        the change was decided on; raised by a compare-and-set from exactly that one."""
        if seen is not None:
            self._setup_seen[event_id] = seen
        if event_id not in self._setup_changed:
            self._setup_changed.add(event_id)
            self.publish(event_id, SETUP_CHANGED)

    def publish(self, event_id: str, payload: Payload, audience: Audience | None = None) -> None:
        self.publications.append(Publication(event_id, payload, audience or EVERYONE))

    def remind(self, key: str, due: float | None) -> None:
        """Tell the scheduler (after commit) when ``key`` is next due, nothing else changed."""
        self.schedule.append((key, due))

    # -- commit ----------------------------------------------------------------------------

    async def write(self) -> None:
        """Every compare-and-set, then the log rows; ``LostRace`` if any write lost."""
        session = self.session
        for event_id in sorted(self._setup_changed):
            seen = self._setup_seen.get(event_id)
            if seen is None:
                await crud.bump_setup_version(session, event_id=event_id)
            elif not await crud.claim_setup_version(session, event_id=event_id, expected=seen):
                raise LostRace(f"the setup of event {event_id}")
        for change in self._events:
            if not await crud.write_event(
                session,
                event_id=change.event_id,
                expected_version=change.before.version,
                state=change.after,
            ):
                raise LostRace(f"event {change.event_id}")
        for event_id, before, after in self._agendas:
            if not await crud.write_agenda(
                session, event_id=event_id, expected_version=before.state.version, agenda=after
            ):
                raise LostRace(f"the agenda of event {event_id}")
        if self._rooms:
            writes = sorted(self._rooms, key=lambda write: write.room.id)
            written = await crud.write_rooms(
                session,
                writes=[
                    crud.StateWrite(
                        write.room.id, write.before.version, write.after, write.next_due
                    )
                    for write in writes
                ],
            )
            if len(written) != len(writes):
                raise LostRace(f"{len(writes) - len(written)} room(s)")
        for revocation in (r for r in self.revocations if r.stored):
            revoked = await crud.revoke_links(
                session, link_ids=revocation.link_ids, now=self.now, by=revocation.actor
            )
            if len(revoked) != len(set(revocation.link_ids)):
                raise LostRace(f"{len(revocation.link_ids) - len(revoked)} link(s)")
        for help_change in self._help:
            if not await crud.write_help(
                session,
                help_id=help_change.help_id,
                expected_version=help_change.before.version,
                state=help_change.after,
            ):
                raise LostRace(f"help request {help_change.help_id}")
        for note in self._notes:
            if not await crud.write_note(
                session,
                note_id=note.before.id,
                expected_version=note.before.version,
                text=note.after.text,
                shared=note.after.shared,
                by=note.after.updated_by,
                now=note.after.updated_at,
            ):
                raise LostRace(f"note {note.before.id}")
        for answer in self._requests:
            if not await crud.write_room_request(session, before=answer.before, after=answer.after):
                raise LostRace(f"room request {answer.before.id}")
        for response, new_answers, actor in self._forms:
            if not await crud.write_form_response(
                session, before=response, answers=new_answers, by=actor, now=self.now
            ):
                raise LostRace(f"form response {response.id}")
        for answers in self._feedback:
            if not await crud.write_feedback(session, before=answers.before, after=answers.after):
                raise LostRace(f"feedback {answers.before.id}")
        await crud.append_logs(session, entries=self._logs)
