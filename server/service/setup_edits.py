"""Correcting a setup: edit or delete teams, move teams, order seats, edit or delete rooms.

Rules:
- Every edit carries the setup version its author saw (``setup_version``, in
  every snapshot's event). The edit is decided on the setup as it is, and
  written with a compare-and-set from exactly that version, its log row and a
  ``setup.changed`` in the same transaction: two editors pressing at once give
  one change and one refusal ("the setup changed meanwhile"), never a blend.
- Seats change only in rooms that have not started: a running room keeps the
  teams it started with (the refusal says which room, in which phase, and
  what to do instead). A team seated in a running room cannot be deleted.
  Labels and video links may change at any time.
- A team's member links follow the team: when it moves, they lead to its new
  room (or to none) from the commit on, and their open pages reconnect to it
  (``Tx.links_moved``). A room's own links (moderator, observer) go with it.
- Only uber moderators edit the setup; a room's moderator may also order the
  seats of their own room before it starts (the pair decides who presents
  first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.access import Principal
from server.domain.protocol import Protocol
from server.domain.records import Event, Room, Team
from server.domain.seating import extra_roles
from server.domain.state import RunState, Status
from server.domain.team_identity import describe, identity, team_key
from server.errors import BadRequest, Conflict, NotFound
from server.protocols import ProtocolLibrary
from server.service.setup import team_with
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud

SETUP_STALE = "setup.stale"

EMPTY = ""


@dataclass(frozen=True, slots=True)
class SeatMove:
    """Where a team goes: a room (None: out of every room) and a seat (1-based; None:
    the room's first empty seat); ``role`` fixes the role of a seat beyond the
    protocol's."""

    room_id: str | None
    seat: int | None = None
    role: str | None = None


@dataclass
class _Current:
    event: Event
    rooms: dict[str, Room]
    states: dict[str, RunState]
    teams: dict[str, Team]

    def seat_of(self, team_id: str) -> tuple[Room, int] | None:
        for room in self.rooms.values():
            if team_id in room.team_ids:
                return room, room.team_ids.index(team_id)
        return None


def stale(seen: int, current: int) -> Conflict:
    refusal = Conflict(
        f"the setup changed since you saw it (you saw version {seen}; it is at {current}): "
        "look at it again and redo your change",
        field="setup_version",
    )
    refusal.code = SETUP_STALE
    return refusal


def _status_words(room: Room, state: RunState, protocol: Protocol) -> str:
    if state.status is Status.BETWEEN_ROUNDS:
        return f"{room.label} is between rounds"
    if state.status in (Status.FINISHED, Status.RECALLED):
        return f"{room.label} has run"
    return (
        f"{room.label} is running ({protocol.phases[state.phase_index].title}, "
        f"round {state.round_index + 1})"
    )


class SetupEdits:
    def __init__(self, protocols: ProtocolLibrary, writes: WritePath) -> None:
        self.protocols = protocols
        self.writes = writes

    # -- reading and checking ----------------------------------------------------------------

    async def _current(
        self,
        tx: Tx,
        principal: Principal,
        seen: int,
        *,
        team_id: str | None = None,
        room_id: str | None = None,
    ) -> _Current:
        """The setup as it is; what the edit names must exist (404), and only then must
        the author have seen this very version (409 ``setup.stale``)."""
        loaded = await tx.load_event(principal.event_id)
        event = loaded.events[principal.event_id]
        setup = await tx.setups.get(tx.session, event)
        current = _Current(
            event=event,
            rooms=dict(setup.rooms),
            states={stored.room.id: stored.state for stored in loaded.rooms},
            teams=dict(setup.teams),
        )
        if team_id is not None:
            self._team(current, team_id)
        if room_id is not None:
            self._room(current, room_id)
        if event.setup_version != seen:
            raise stale(seen, event.setup_version)
        return current

    def _require_not_started(self, current: _Current, room: Room, what: str) -> None:
        state = current.states[room.id]
        if state.status is Status.NOT_STARTED:
            return
        protocol = self.protocols.get(state.protocol_id)
        raise Conflict(
            f"{_status_words(room, state, protocol)}: {what} only before a room starts. "
            "Change rooms that have not started, or wait for the next session",
            field="room_id",
        )

    @staticmethod
    def _room(current: _Current, room_id: str, field: str = "room_id") -> Room:
        room = current.rooms.get(room_id)
        if room is None:
            raise NotFound(f"no room with id {room_id!r} in this event", field=field)
        return room

    @staticmethod
    def _team(current: _Current, team_id: str) -> Team:
        team = current.teams.get(team_id)
        if team is None:
            raise NotFound(f"no team with id {team_id!r} in this event", field="team_id")
        return team

    # -- teams -------------------------------------------------------------------------------

    async def edit_team(
        self, principal: Principal, *, team_id: str, setup_version: int, changes: Mapping[str, Any]
    ) -> Team:
        """Change some of a team's fields (any time: who a team is does not time anything)."""
        principal.require_uber("edit teams")
        if not changes:
            raise BadRequest("nothing to change: name at least one field", field="body")

        async def attempt(tx: Tx) -> Team:
            current = await self._current(tx, principal, setup_version, team_id=team_id)
            team = self._team(current, team_id)
            key = team_key(
                changes.get("name", team.name), changes.get("organisation", team.organisation)
            )
            for other in current.teams.values():
                if other.id != team_id and identity(other) == key:
                    raise Conflict(
                        f"the event already has {describe(other.name, other.organisation)}: "
                        "two teams cannot share a name and organisation",
                        field="name",
                    )
            values = {
                name: list(value) if isinstance(value, tuple | list) else value
                for name, value in changes.items()
            }
            await crud.update_team(tx.session, team_id=team_id, values=values)
            seated = current.seat_of(team_id)
            tx.log(
                principal.event_id,
                seated[0].id if seated else None,
                principal.actor,
                "setup.edit_team",
                detail={"team_id": team_id, "fields": sorted(changes)},
            )
            tx.setup_changed(principal.event_id, seen=setup_version)
            return team_with(team, changes)

        return await self.writes.run(attempt, what="the team")

    async def delete_team(self, principal: Principal, *, team_id: str, setup_version: int) -> Team:
        """Delete a team with its member links and what it wrote; its seat is left empty."""
        principal.require_uber("delete teams")

        async def attempt(tx: Tx) -> Team:
            current = await self._current(tx, principal, setup_version, team_id=team_id)
            team = self._team(current, team_id)
            seated = current.seat_of(team_id)
            room_id = None
            if seated is not None:
                room, _ = seated
                room_id = room.id
                state = current.states[room.id]
                if state.status not in (Status.NOT_STARTED, Status.FINISHED, Status.RECALLED):
                    protocol = self.protocols.get(state.protocol_id)
                    raise Conflict(
                        f"{team.name} is seated in a room under way "
                        f"({_status_words(room, state, protocol)}): deleting it now would "
                        "break the round. Let the room finish first",
                        field="team_id",
                    )
            links = await crud.team_link_ids(tx.session, team_ids=[team_id])
            await crud.delete_team(tx.session, team_id=team_id)
            tx.links_gone(
                principal.event_id, links, reason=f"{team.name} was removed from the event"
            )
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "setup.delete_team",
                detail={"team_id": team_id, "name": team.name, "links": links},
            )
            tx.setup_changed(principal.event_id, seen=setup_version)
            return team

        return await self.writes.run(attempt, what="the team")

    async def move_team(
        self, principal: Principal, *, team_id: str, setup_version: int, to: SeatMove
    ) -> None:
        """Seat a team in another room (or seat), out of every room (``to.room_id`` None),
        exchanging places with the team in a taken seat."""
        principal.require_uber("move teams")

        async def attempt(tx: Tx) -> None:
            current = await self._current(tx, principal, setup_version, team_id=team_id)
            team = self._team(current, team_id)
            dealt = _Deal(current)
            origin = current.seat_of(team_id)
            if origin is not None:
                self._require_not_started(current, origin[0], "teams move")
            if to.room_id is None:
                if origin is None:
                    raise Conflict(f"{team.name} is not in a room", field="room_id")
                dealt.take(origin[0].id, origin[1])
            else:
                target = current.rooms.get(to.room_id)
                if target is None:
                    # The path names the team; a room the body names and the event lacks
                    # makes the request one that cannot be carried out (422, not 404).
                    raise BadRequest(
                        f"no room with id {to.room_id!r} in this event", field="room_id"
                    )
                self._require_not_started(current, target, "teams move")
                self._move(current, dealt, team, origin, target, to)
            await self._write_deal(tx, principal, current, dealt)
            tx.log(
                principal.event_id,
                to.room_id,
                principal.actor,
                "setup.move_team",
                detail={
                    "team_id": team_id,
                    "from_room_id": origin[0].id if origin else None,
                    "to_room_id": to.room_id,
                    "seat": to.seat,
                    "role": to.role,
                },
            )
            tx.setup_changed(principal.event_id, seen=setup_version)

        await self.writes.run(attempt, what="the seats")

    def _move(
        self,
        current: _Current,
        dealt: _Deal,
        team: Team,
        origin: tuple[Room, int] | None,
        target: Room,
        to: SeatMove,
    ) -> None:
        protocol = self.protocols.get(current.states[target.id].protocol_id)
        seats = list(dealt.seats(target.id))
        if to.seat is None:
            free = [i for i in range(protocol.room.seats) if i >= len(seats) or not seats[i][0]]
            if not free:
                taken = ", ".join(
                    f"seat {i + 1}: {current.teams[t].name}" for i, (t, _) in enumerate(seats) if t
                )
                raise Conflict(
                    f"{target.label} is full ({taken}): choose the seat whose team changes "
                    "places with this one, or a seat beyond the protocol's",
                    field="seat",
                )
            index = free[0]
        else:
            index = to.seat - 1
            limit = max(protocol.room.seats, len(seats)) + 1
            if index >= limit:
                raise BadRequest(
                    f"{target.label} has seats 1 to {limit} (the last one new); no seat {to.seat}",
                    field="seat",
                )
        role = ""
        if index >= protocol.room.seats:
            allowed = extra_roles(protocol)
            role = to.role or (allowed[0] if allowed else "")
            if role not in allowed:
                raise BadRequest(
                    f"a team beyond {protocol.title}'s {protocol.room.seats} seat(s) keeps one "
                    f"role: one of {', '.join(allowed) or 'none'}; not {role!r}",
                    field="role",
                )
        elif to.role:
            raise BadRequest(
                f"seat {index + 1} of {target.label} follows the protocol's rotation: "
                "a role is only for seats beyond the protocol's",
                field="role",
            )
        displaced = seats[index][0] if index < len(seats) else EMPTY
        if origin is not None:
            dealt.take(origin[0].id, origin[1])
            if displaced and displaced != team.id:
                origin_role = dealt.role(origin[0].id, origin[1])
                dealt.put(origin[0].id, origin[1], displaced, origin_role)
        dealt.put(target.id, index, team.id, role)

    async def order_seats(
        self, principal: Principal, *, room_id: str, setup_version: int, team_ids: Sequence[str]
    ) -> None:
        """Put a room's teams in a new seat order (who presents first), before it starts."""
        if not principal.is_uber:
            principal.require_room_control(room_id)

        async def attempt(tx: Tx) -> None:
            current = await self._current(tx, principal, setup_version, room_id=room_id)
            room = self._room(current, room_id)
            self._require_not_started(current, room, "seats are ordered")
            protocol = self.protocols.get(current.states[room_id].protocol_id)
            rotating = list(room.team_ids[: protocol.room.seats])
            if sorted(team_ids) != sorted(rotating):
                names = ", ".join(current.teams[t].name for t in rotating if t) or "no team"
                raise BadRequest(
                    f"the new order must name exactly the room's seated teams ({names})",
                    field="team_ids",
                )
            dealt = _Deal(current)
            for index, team_id in enumerate(team_ids):
                dealt.put(room_id, index, team_id, "")
            await self._write_deal(tx, principal, current, dealt)
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "setup.order_seats",
                detail={"team_ids": list(team_ids)},
            )
            tx.setup_changed(principal.event_id, seen=setup_version)

        await self.writes.run(attempt, what="the seats")

    async def _write_deal(
        self, tx: Tx, principal: Principal, current: _Current, dealt: _Deal
    ) -> None:
        changed = dealt.changed()
        await crud.deal_seats(tx.session, seats=changed)
        homes: dict[str, str | None] = {}
        before = {t: room.id for room in current.rooms.values() for t in room.team_ids if t}
        after = {t: room_id for room_id, seats in dealt.all().items() for t, _ in seats if t}
        for team_id in set(before) | set(after):
            if before.get(team_id) != after.get(team_id):
                homes[team_id] = after.get(team_id)
        moved = await crud.rehome_member_links(tx.session, homes=homes)
        tx.links_moved(principal.event_id, moved)

    # -- rooms -------------------------------------------------------------------------------

    async def edit_room(
        self, principal: Principal, *, room_id: str, setup_version: int, changes: Mapping[str, Any]
    ) -> None:
        """Relabel a room, name its video-call room, set its video link (any time)."""
        principal.require_uber("edit rooms")
        if not changes:
            raise BadRequest("nothing to change: name at least one field", field="body")

        async def attempt(tx: Tx) -> None:
            await self._current(tx, principal, setup_version, room_id=room_id)
            await crud.update_room(tx.session, room_id=room_id, values=dict(changes))
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "setup.edit_room",
                detail=dict(changes),
            )
            tx.setup_changed(principal.event_id, seen=setup_version)

        await self.writes.run(attempt, what="the room")

    async def delete_room(self, principal: Principal, *, room_id: str, setup_version: int) -> Room:
        """Delete a room that has not started: its teams are left unseated (their links
        stay theirs), its moderator and observer links go with it."""
        principal.require_uber("delete rooms")

        async def attempt(tx: Tx) -> Room:
            current = await self._current(tx, principal, setup_version, room_id=room_id)
            room = self._room(current, room_id)
            self._require_not_started(current, room, "rooms can be deleted")
            own_links = await crud.room_link_ids(tx.session, room_id=room_id)
            members = await crud.rehome_member_links(
                tx.session, homes={t: None for t in room.team_ids if t}
            )
            await crud.delete_room(tx.session, room_id=room_id)
            tx.links_gone(principal.event_id, own_links, reason=f"{room.label} was deleted")
            tx.links_moved(principal.event_id, members)
            tx.remind(f"room:{room_id}", None)
            tx.log(
                principal.event_id,
                None,
                principal.actor,
                "setup.delete_room",
                detail={"room_id": room_id, "label": room.label, "links": own_links},
            )
            tx.setup_changed(principal.event_id, seen=setup_version)
            return room

        return await self.writes.run(attempt, what="the room")


class _Deal:
    """Seats as an edit re-deals them: (team id, fixed role) per seat, per room."""

    def __init__(self, current: _Current) -> None:
        self._seats: dict[str, list[tuple[str, str]]] = {
            room.id: [
                (team_id, room.fixed_roles[i] if i < len(room.fixed_roles) else "")
                for i, team_id in enumerate(room.team_ids)
            ]
            for room in current.rooms.values()
        }
        self._touched: set[str] = set()

    def seats(self, room_id: str) -> list[tuple[str, str]]:
        return self._seats.setdefault(room_id, [])

    def role(self, room_id: str, index: int) -> str:
        seats = self.seats(room_id)
        return seats[index][1] if index < len(seats) else ""

    def take(self, room_id: str, index: int) -> None:
        seats = self.seats(room_id)
        seats[index] = (EMPTY, seats[index][1])
        while seats and not seats[-1][0]:
            seats.pop()
        self._touched.add(room_id)

    def put(self, room_id: str, index: int, team_id: str, role: str) -> None:
        seats = self.seats(room_id)
        seats += [(EMPTY, "")] * (index + 1 - len(seats))
        seats[index] = (team_id, role)
        self._touched.add(room_id)

    def changed(self) -> dict[str, list[tuple[str, str]]]:
        return {room_id: self._seats[room_id] for room_id in sorted(self._touched)}

    def all(self) -> dict[str, list[tuple[str, str]]]:
        return self._seats
