"""Notes kept during the protocol, and the consent that comes before the first one.

Rules:
- Everyone bound to a room keeps notes there: a team member's belong to the
  team (every member link of the team reads and writes them: a second device
  is just another link of the team), a moderator's or an observer's to their
  link. One note per owner, round and phase, tied to the owner's protocol role
  in that round. Uber moderators keep none here.
- A note is private to its owner until shared with the pair; shared, the
  room's teams and moderator read it too (observers never read another's note).
- Saving is a compare-and-set on the note's version (0: the note does not exist
  yet), written with its log row (the note's length, never its text) and
  acknowledged only after the commit; then ``note.updated`` goes to the owner's
  links, and to the rest of the pair while shared (or the moment it stops being
  shared, without its text). Two devices saving at once: one is stored, the
  other refused with ``conflict``, the newer note already on its way to it.
- Nothing is written before the link's holder accepted the notice on what is
  kept (``consent``, recorded once per link, with its log row).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.exc import IntegrityError

from server.access import Principal
from server.domain.protocol import Protocol
from server.domain.records import Note, Room
from server.domain.seating import team_role
from server.errors import Conflict, Forbidden, NotFound
from server.hub import Audience
from server.service.tx import LostRace, Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.messages import NoteUpdated, NoteView

OwnerKind = Literal["team", "moderator", "observer"]


class ConsentNeeded(Forbidden):
    code = "consent.needed"


async def require_consent(tx: Tx, principal: Principal) -> None:
    """Nothing a person writes is kept before they accepted the notice on what is kept."""
    if await crud.consented_at(tx.session, link_id=principal.link_id) is None:
        raise ConsentNeeded("accept the notice on what is kept of what you write first")


def owner_of(principal: Principal) -> str:
    """``team:<id>`` for a team member; ``moderator:<link>`` or ``observer:<link>``."""
    if principal.access == "member" and principal.team_id is not None:
        return f"team:{principal.team_id}"
    return f"{principal.access}:{principal.link_id}"


def owner_kind(note: Note) -> OwnerKind:
    kind = note.owner.partition(":")[0]
    return "moderator" if kind == "moderator" else "observer" if kind == "observer" else "team"


def note_view(note: Note, *, with_text: bool = True) -> NoteView:
    return NoteView(
        id=note.id,
        room_id=note.room_id,
        owner=owner_kind(note),
        team_id=note.team_id,
        round_index=note.round_index,
        phase_id=note.phase_id,
        role=note.role,
        text=note.text if with_text else "",
        shared=note.shared,
        version=note.version,
        updated_by=note.updated_by,
        updated_at=note.updated_at * 1000,
    )


def visible_to(note: Note, principal: Principal) -> bool:
    """Whether the principal reads this note: its owner's, or shared with its pair."""
    if principal.room_id != note.room_id or principal.is_uber:
        return False
    if note.owner == owner_of(principal):
        return True
    return note.shared and principal.access in ("member", "moderator")


def _owner_audience(note: Note, room_id: str) -> Audience:
    if note.team_id is not None:
        return Audience(room_id=room_id, team_ids=frozenset({note.team_id}))
    # A moderator's or an observer's own: the room's links of that access role (a room
    # has one moderator link in use; its observers share one).
    return Audience(room_id=room_id, access=frozenset({owner_kind(note)}))


def _pair_audience(note: Note, room: Room) -> Audience:
    """The rest of the pair: the room's other teams, and its moderator unless it is theirs."""
    teams = frozenset(team for team in room.team_ids if team and team != note.team_id)
    moderator = frozenset() if owner_kind(note) == "moderator" else frozenset({"moderator"})
    return Audience(room_id=room.id, access=moderator, team_ids=teams)


class NoteDesk:
    def __init__(self, writes: WritePath) -> None:
        self.writes = writes

    async def consent(self, principal: Principal) -> float:
        """Record that the link's holder accepted the notice (once); when it was."""

        async def attempt(tx: Tx) -> float:
            if await crud.record_consent(tx.session, link_id=principal.link_id, now=tx.now):
                tx.log(principal.event_id, principal.room_id, principal.actor, "consent.give")
                return tx.now
            recorded = await crud.consented_at(tx.session, link_id=principal.link_id)
            if recorded is None:
                raise NotFound("this link no longer exists")
            return recorded

        if not principal.link_id:
            raise Forbidden("consent is given by a link's holder")
        return await self.writes.run(attempt, what="the consent")

    async def save(
        self,
        principal: Principal,
        *,
        round_index: int,
        phase_id: str,
        text: str,
        shared: bool,
        expected_version: int,
    ) -> NoteView:
        room_id = principal.room_id
        if room_id is None or principal.is_uber:
            raise Forbidden("notes are kept in a room, by its teams, moderator and observers")
        owner = owner_of(principal)

        async def attempt(tx: Tx) -> NoteView:
            await require_consent(tx, principal)
            loaded = await tx.load_room(room_id, event_id=principal.event_id)
            stored = loaded.rooms[0]
            protocol = tx.protocols.get(stored.state.protocol_id)
            role = role_in_round(protocol, stored.room, principal, round_index)
            if phase_id not in {phase.id for phase in protocol.phases}:
                known = ", ".join(phase.id for phase in protocol.phases)
                raise NotFound(
                    f"no phase {phase_id!r} in {protocol.title}; expected one of: {known}",
                    field="phase_id",
                )
            found = await crud.find_note(
                tx.session,
                room_id=room_id,
                owner=owner,
                round_index=round_index,
                phase_id=phase_id,
            )
            current = 0 if found is None else found.version
            if current != expected_version:
                raise Conflict(
                    f"this note was saved elsewhere meanwhile (now version {current}, you "
                    f"had {expected_version}): the newer text is on its way to you",
                    field="expected_version",
                )
            if found is None:
                try:
                    note = await crud.insert_note(
                        tx.session,
                        event_id=principal.event_id,
                        room_id=room_id,
                        owner=owner,
                        team_id=principal.team_id if owner.startswith("team:") else None,
                        round_index=round_index,
                        phase_id=phase_id,
                        role=role,
                        text=text,
                        shared=shared,
                        by=principal.actor,
                        now=tx.now,
                    )
                except IntegrityError:
                    raise LostRace("a new note") from None  # judged again: now a conflict
            else:
                note = tx.change_note(found, text=text, shared=shared, actor=principal.actor)
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "note.save",
                detail={
                    "note_id": note.id,
                    "round_index": round_index,
                    "phase_id": phase_id,
                    "chars": len(text),
                    "shared": shared,
                },
                versions=(current, note.version),
            )
            message = NoteUpdated(note=note_view(note)).model_dump_json()
            tx.publish(principal.event_id, message, _owner_audience(note, room_id))
            was_shared = found is not None and found.shared
            if note.shared or was_shared:
                to_pair = note_view(note, with_text=note.shared)
                tx.publish(
                    principal.event_id,
                    NoteUpdated(note=to_pair).model_dump_json(),
                    _pair_audience(note, stored.room),
                )
            return note_view(note)

        return await self.writes.run(attempt, what="the note")


def role_in_round(protocol: Protocol, room: Room, principal: Principal, round_index: int) -> str:
    if round_index >= protocol.rounds.count:
        raise NotFound(
            f"{protocol.title} has {protocol.rounds.count} round(s): no round_index {round_index}",
            field="round_index",
        )
    if principal.access == "member" and principal.team_id:
        role = team_role(protocol, room, principal.team_id, round_index)
        if role is not None:
            return role
    if principal.access == "moderator":
        return protocol.room.moderator
    return protocol.room.others or "observer"
