"""Setting an event up: the event, its teams, its rooms, and role-scoped join links.

Rules:
- Only the admin key creates events; everything else is done with the
  event's uber moderator link.
- Every setup change goes through the one write path: its inserts and its
  log row in one transaction, then a ``setup.changed`` so open pages refresh.
- A room takes as many teams as the protocol has seats, in seat order, and a
  team sits in at most one room: the seat table's unique constraint refuses
  a second seat even when two uber moderators seat the same team at once
  (the loser is judged again and told which room the team is in).
- An event never holds two teams of one identity (name and organisation,
  ``server.domain.team_identity``): adding one is refused, and importing a
  CSV again updates the teams it names instead of adding copies. Adds and
  imports are compare-and-sets on the setup version, so two at once cannot
  both add the same team.
- Automatic pairing is ``server.domain.pairing``'s: never a team with a copy
  of itself, and an odd team placed as the caller chooses.
- The event's first uber link is made with it (``server.service.links`` makes
  every other link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain.adapted import AdaptationError, adapt, base_id, lengths_in_seconds
from server.domain.agenda import Agenda
from server.domain.pairing import OddTeam, PairBy, pair_teams
from server.domain.protocol import Protocol
from server.domain.records import Event, Room, Team
from server.domain.seating import extra_roles
from server.domain.state import RunState
from server.domain.team_identity import describe, identity, team_key
from server.domain.timing import TimingCheck, check_window
from server.errors import BadRequest, Conflict, NotFound
from server.protocols import ProtocolLibrary
from server.service.csv_import import parse_teams_csv
from server.service.links import Link, LinkDesk
from server.service.tx import LostRace, Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.team import TeamCreate


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: teams added, teams updated (named by an earlier import or by
    hand), and teams named again with nothing new."""

    added: list[Team]
    updated: list[Team]
    unchanged: list[Team]


@dataclass(frozen=True, slots=True)
class Paired:
    rooms: list[Room]
    leftovers: list[Team]
    odd_team: Team | None = None
    """The odd team seated as a third team (or as observers) in one of ``rooms``."""


class EventSetup:
    def __init__(self, protocols: ProtocolLibrary, writes: WritePath, links: LinkDesk) -> None:
        self.protocols = protocols
        self.writes = writes
        self.links = links

    async def create_event(
        self,
        *,
        title: str,
        protocol_id: str,
        scheduled_start: float,
        main_room_at: float,
        uber_label: str = "Uber moderator",
        uber_may_mint_uber: bool = False,
        phase_lengths: Sequence[str] | None = None,
    ) -> tuple[Event, Link]:
        """Create an event (the admin's act) and its first uber moderator link, which may
        make further uber links only if ``uber_may_mint_uber``. ``phase_lengths`` adapts
        the protocol for this event (``server.domain.adapted``)."""
        if protocol_id not in self.protocols:
            known = ", ".join(protocol.id for protocol in self.protocols)
            raise BadRequest(
                f"unknown protocol {protocol_id!r}; expected one of: {known}", field="protocol_id"
            )
        if phase_lengths is not None:
            protocol_id = self.adapted(protocol_id, phase_lengths).id
        if main_room_at <= scheduled_start:
            raise BadRequest("main_room_at must be after scheduled_start", field="main_room_at")

        async def attempt(tx: Tx) -> tuple[Event, Link]:
            event = await crud.create_event(
                tx.session,
                title=title,
                protocol_id=protocol_id,
                scheduled_start=scheduled_start,
                main_room_at=main_room_at,
                now=tx.now,
            )
            await crud.insert_agenda(tx.session, event_id=event.id, agenda=Agenda())
            link = await self.links.issue(
                tx, event.id, "uber", None, None, uber_label, uber_may_mint_uber
            )
            tx.log(event.id, None, "admin", "event.create", detail={"uber_link_id": link.id})
            return event, link

        return await self.writes.run(attempt, what="the new event")

    def adapted(self, protocol_id: str, phase_lengths: Sequence[str]) -> Protocol:
        """The protocol with these phase lengths; a clear error naming the length at fault."""
        base = self.protocols.get(base_id(protocol_id))
        try:
            return adapt(base, lengths_in_seconds(base, phase_lengths))
        except AdaptationError as error:
            if error.field == "phase_lengths":  # the protocol decides how many phases
                raise Conflict(str(error), field=error.field) from None
            raise BadRequest(str(error), field=error.field) from None

    def timing(self, event: Event) -> TimingCheck:
        """Whether the event's plan fits its window, with the numbers."""
        return check_window(
            self.protocols.get(event.protocol_id),
            start=event.scheduled_start,
            main_room_at=event.main_room_at,
        )

    async def list_teams(self, principal: Principal) -> list[Team]:
        principal.require_uber("list every team")

        return await self.writes.read(
            lambda session: crud.list_teams(session, event_id=principal.event_id)
        )

    async def add_teams(self, principal: Principal, teams: Sequence[TeamCreate]) -> list[Team]:
        """Add teams (all or none); a team the event already has is refused by name."""
        principal.require_uber("add teams")

        async def attempt(tx: Tx) -> list[Team]:
            event, existing = await self.teams_now(tx, principal.event_id)
            known = {identity(team): team for team in existing}
            copies = [
                describe(team.name, team.organisation)
                for team in teams
                if team_key(team.name, team.organisation) in known
            ]
            if copies:
                raise Conflict(
                    f"the event already has {', '.join(copies)}: edit the team instead of "
                    "adding it again",
                    field="name",
                )
            _refuse_twice_named(teams)
            added = await self._insert(tx, principal, teams)
            tx.setup_changed(principal.event_id, seen=event.setup_version)
            return added

        return await self.writes.run(attempt, what="the teams")

    async def import_teams(self, principal: Principal, *, csv_text: str) -> Imported:
        """Add the CSV's new teams and update the ones the event has (matched by name and
        organisation; only the file's columns change): all or nothing, never a copy."""
        principal.require_uber("import teams")
        rows = parse_teams_csv(csv_text)
        _refuse_twice_named(rows)

        async def attempt(tx: Tx) -> Imported:
            event, existing = await self.teams_now(tx, principal.event_id)
            by_identity: dict[tuple[str, str], list[Team]] = {}
            for team in existing:
                by_identity.setdefault(identity(team), []).append(team)
            new: list[TeamCreate] = []
            updated: list[Team] = []
            unchanged: list[Team] = []
            ambiguous: list[str] = []
            for row in rows:
                matches = by_identity.get(team_key(row.name, row.organisation), [])
                if not matches:
                    new.append(row)
                    continue
                if len(matches) > 1:
                    ambiguous.append(f"{describe(row.name, row.organisation)} ({len(matches)})")
                    continue
                (team,) = matches
                given = row.model_dump(include=row.model_fields_set - {"name", "organisation"})
                changes = {
                    name: value
                    for name, value in given.items()
                    if (tuple(value) if isinstance(value, list) else value) != getattr(team, name)
                }
                if not changes:
                    unchanged.append(team)
                    continue
                await crud.update_team(tx.session, team_id=team.id, values=changes)
                updated.append(team_with(team, changes))
            if ambiguous:
                raise Conflict(
                    "nothing imported: the event holds more than one team named "
                    f"{'; '.join(ambiguous)}; delete the copies first, then import again",
                    field="csv",
                )
            added = await self._insert(tx, principal, new) if new else []
            if updated:
                tx.log(
                    principal.event_id,
                    None,
                    principal.actor,
                    "setup.update_teams",
                    detail={"team_ids": [team.id for team in updated]},
                )
            if added or updated:
                tx.setup_changed(principal.event_id, seen=event.setup_version)
            return Imported(added, updated, unchanged)

        return await self.writes.run(attempt, what="the teams")

    @staticmethod
    async def teams_now(tx: Tx, event_id: str) -> tuple[Event, list[Team]]:
        event = await crud.get_event(tx.session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        return event, await crud.list_teams(tx.session, event_id=event_id)

    @staticmethod
    async def _insert(tx: Tx, principal: Principal, teams: Sequence[TeamCreate]) -> list[Team]:
        added = await crud.add_teams(
            tx.session,
            event_id=principal.event_id,
            teams=[team.model_dump() for team in teams],
        )
        tx.log(
            principal.event_id,
            None,
            principal.actor,
            "setup.add_teams",
            detail={"team_ids": [team.id for team in added]},
        )
        return added

    async def create_room(
        self,
        principal: Principal,
        *,
        team_ids: Sequence[str],
        label: str | None = None,
        video_room: str = "",
        moderator_name: str = "",
        video_url: str = "",
    ) -> Room:
        principal.require_uber("create rooms")

        async def attempt(tx: Tx) -> Room:
            room = await self.seat_room(
                tx,
                principal.event_id,
                team_ids=team_ids,
                label=label,
                video_room=video_room,
                moderator_name=moderator_name,
                video_url=video_url,
            )
            tx.log(
                principal.event_id,
                room.id,
                principal.actor,
                "setup.create_room",
                detail={"team_ids": list(team_ids)},
            )
            tx.setup_changed(principal.event_id)
            return room

        return await self.writes.run(attempt, what="the rooms")

    async def seat_new_rooms(
        self,
        tx: Tx,
        event_id: str,
        rooms: Sequence[tuple[Sequence[str], str | None]],
        extra_role: str,
    ) -> list[Room]:
        """Rooms after the event's last, default labels: each its teams in seat order and
        maybe one team beyond the seats, which keeps ``extra_role`` in every round."""
        first = await crud.last_room_position(tx.session, event_id=event_id) + 1
        created = []
        for index, (team_ids, extra) in enumerate(rooms):
            created.append(
                await self.seat_room(
                    tx,
                    event_id,
                    team_ids=[*team_ids, *([extra] if extra else [])],
                    fixed_roles=[""] * len(team_ids) + [extra_role] if extra else [],
                    label=None,
                    video_room="",
                    moderator_name="",
                    position=first + index,
                )
            )
        return created

    async def seat_room(
        self,
        tx: Tx,
        event_id: str,
        *,
        team_ids: Sequence[str],
        label: str | None,
        video_room: str,
        moderator_name: str,
        position: int | None = None,
        fixed_roles: Sequence[str] = (),
        video_url: str = "",
    ) -> Room:
        event = await crud.get_event(tx.session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        protocol = self.protocols.get(event.protocol_id)
        seats = protocol.room.seats
        if len(team_ids) - sum(1 for role in fixed_roles[seats:] if role) != seats:
            # The event's protocol decides the seats: a conflict with the event, not a
            # malformed request.
            raise Conflict(
                f"a {protocol.title} room takes {seats} team(s) in seat order, got {len(team_ids)}",
                field="team_ids",
            )
        if len(set(team_ids)) != len(team_ids):
            raise BadRequest("a team can only take one seat in a room", field="team_ids")
        seated = await crud.seated_team_ids(tx.session, event_id=event_id)
        teams = {team.id: team for team in await crud.get_teams(tx.session, team_ids=team_ids)}
        for index, team_id in enumerate(team_ids):
            team = teams.get(team_id)
            if team is None or team.event_id != event_id:
                raise NotFound(
                    f"no team with id {team_id!r} in this event", field=f"team_ids[{index}]"
                )
            if team_id in seated:
                raise Conflict(
                    f"{team.name} is already in {seated[team_id]}", field=f"team_ids[{index}]"
                )
        if position is None:
            position = await crud.last_room_position(tx.session, event_id=event_id) + 1
        try:
            return await crud.create_room(
                tx.session,
                event_id=event_id,
                label=label or f"Room {position}",
                team_ids=team_ids,
                state=RunState(protocol.id),
                position=position,
                video_room=video_room,
                moderator_name=moderator_name,
                fixed_roles=fixed_roles,
                video_url=video_url,
            )
        except IntegrityError:
            # Another uber moderator seated one of these teams meanwhile: judge again.
            raise LostRace("a seat") from None

    async def auto_pair(
        self, principal: Principal, *, by: PairBy, odd_team: OddTeam | None = None
    ) -> Paired:
        """Pair every team not yet in a room; an odd team joins a room as ``odd_team`` says
        (a third team in the inquiry, or observers); with no choice it is refused."""
        principal.require_uber("pair teams")

        async def attempt(tx: Tx) -> Paired:
            event, teams = await self.teams_now(tx, principal.event_id)
            protocol = self.protocols.get(event.protocol_id)
            if protocol.room.seats != 2:
                raise Conflict(
                    f"automatic pairing makes rooms of two teams; {protocol.title} rooms take "
                    f"{protocol.room.seats}: create its rooms by hand",
                    field="by",
                )
            seated = await crud.seated_team_ids(tx.session, event_id=principal.event_id)
            free = [team for team in teams if team.id not in seated]
            pairing = pair_teams(free, by, odd_team)
            odd_role = self.odd_role(protocol, odd_team)
            if odd_team is None and len(pairing.leftovers) % 2 == 1 and pairing.pairs:
                odd = pairing.leftovers[-1]
                raise Conflict(
                    f"{len(free)} teams make {len(pairing.pairs)} pairs and leave {odd.name} "
                    "over: choose odd_team 'join' (a three-team room in which it joins the "
                    "inquiry) or 'observe' (it sits in a room as observers)",
                    field="odd_team",
                )
            rooms = await self.seat_new_rooms(
                tx,
                principal.event_id,
                [
                    (
                        [a.id, b.id],
                        pairing.extra[0].id
                        if pairing.extra is not None and pairing.extra[1] == index
                        else None,
                    )
                    for index, (a, b) in enumerate(pairing.pairs)
                ],
                odd_role,
            )
            tx.log(
                principal.event_id,
                None,
                principal.actor,
                "setup.pair",
                detail={
                    "by": by,
                    "room_ids": [room.id for room in rooms],
                    "odd_team": odd_team,
                    "odd_team_id": pairing.extra[0].id if pairing.extra else None,
                },
            )
            tx.setup_changed(principal.event_id, seen=event.setup_version)
            return Paired(rooms, pairing.leftovers, pairing.extra[0] if pairing.extra else None)

        return await self.writes.run(attempt, what="the rooms")

    @staticmethod
    def odd_role(protocol: Protocol, odd_team: OddTeam | None) -> str:
        """The role an odd team keeps: the inquiry it joins, or the protocol's observers."""
        roles = extra_roles(protocol)
        if odd_team == "observe":
            if protocol.room.others is None:
                raise Conflict(
                    f"{protocol.title} has no role for observers: choose odd_team 'join'",
                    field="odd_team",
                )
            return protocol.room.others
        joining = [role for role in roles if role != protocol.room.others]
        return joining[0] if joining else roles[0] if roles else ""


def team_with(team: Team, changes: Mapping[str, Any]) -> Team:
    """The team record after an edit of some of its fields (lists become tuples)."""
    fields: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value for name, value in changes.items()
    }
    return replace(team, **fields)


def _refuse_twice_named(teams: Sequence[TeamCreate]) -> None:
    seen: dict[tuple[str, str], int] = {}
    twice: list[str] = []
    for index, team in enumerate(teams):
        key = team_key(team.name, team.organisation)
        if key in seen:
            first = teams[seen[key]]
            twice.append(
                f"{describe(first.name, first.organisation)} (entries {seen[key] + 1} and "
                f"{index + 1})"
            )
        seen.setdefault(key, index)
    if twice:
        raise BadRequest(
            f"nothing added: the same team is named twice: {'; '.join(twice)}", field="name"
        )


ZOOM_COLUMNS = ("Pre-assign Room Name", "Email Address")
"""Zoom's breakout-room pre-assignment CSV (its column names, in its order)."""


async def zoom_assignment_rows(writes: WritePath, principal: Principal) -> list[tuple[str, str]]:
    """(room label, e-mail) for every member address of every seated team, in room order."""
    principal.require_uber("export the rooms")

    async def read(session: AsyncSession) -> list[tuple[str, str]]:
        event = await crud.get_event(session, event_id=principal.event_id)
        if event is None:
            raise NotFound(f"no event with id {principal.event_id!r}")
        setup = await crud.load_setup(
            session, event_id=principal.event_id, version=event.setup_version
        )
        rows: list[tuple[str, str]] = []
        for room in sorted(setup.rooms.values(), key=lambda room: (room.position, room.id)):
            for team_id in room.team_ids:
                team = setup.teams.get(team_id)
                rows += [(room.label, email) for email in (team.emails if team else ())]
        return rows

    return await writes.read(read)
