"""Switching format live: pairs, a fishbowl, or a single presenting team, for the whole
event or chosen rooms, with the teams that are present.

Rules (seed 000 plans for teams that don't show: "a virtual fishbowl" or "one
presenting team with everyone else responding"):
- The uber names the format, the rooms (none: every room), the teams present
  and, for a fishbowl or a single presenter, the inner teams in seat order.
  Present teams may come from the chosen rooms or from no room; a team seated
  in a room that is not switched is refused by name.
- Pairs: the present teams are paired (``server.domain.pairing``; an odd team
  joins the inquiry of the room it fits best). Fishbowl and single presenter:
  one room, the inner teams in the protocol's seats and every other present
  team in the outer circle (the protocol's ``others`` role), each a team with
  its own identity and link.
- The chosen rooms are re-used in order (their moderators keep their links);
  rooms no longer needed end (their run finished, no seats) and their own
  links (moderator, observer) lead to the first re-formed room, so nobody
  needs a new link; extra rooms are made when pairs outnumber the rooms.
  Every re-formed room starts a fresh run of its format, waiting to be started.
- Teams of the chosen rooms that are not present leave every room; their links
  stay theirs and show that they are not in a room.
- The whole switch is one change: a compare-and-set on the setup version the
  uber saw, the rooms' compare-and-sets, one ``event.switch_format`` log row
  (the report lists it), then every open page follows (pages whose room
  changed reconnect to it).
- Too few teams present for the format is refused with what to do instead;
  nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from server.access import Principal
from server.domain import commands as cmd
from server.domain import engine
from server.domain.pairing import pair_teams
from server.domain.protocol import Protocol
from server.domain.records import Room, Team
from server.domain.seating import extra_roles
from server.domain.state import TERMINAL_STATUSES, RunState
from server.errors import BadRequest, Conflict, NotFound
from server.protocols import ProtocolLibrary
from server.service.setup_edits import stale
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud

Format = Literal["pairs", "fishbowl", "single"]

FORMAT_PROTOCOLS: dict[Format, str] = {
    "pairs": "t4tla-consultancy",
    "fishbowl": "fishbowl",
    "single": "single-presenter",
}
"""The protocol each format runs (pairs: the event's own when it seats two teams)."""

FORMAT_NAMES: dict[Format, str] = {
    "pairs": "pairs",
    "fishbowl": "a fishbowl",
    "single": "a single presenting team",
}


@dataclass(frozen=True, slots=True)
class Switched:
    format: Format
    protocol_id: str
    rooms: list[str]
    """The re-formed rooms, in order."""
    ended: list[str]
    """Rooms no longer needed: their run ended, their seats emptied."""
    absent: list[str]
    """Teams of the switched rooms that were not present: in no room now."""


class FormatSwitch:
    def __init__(self, protocols: ProtocolLibrary, writes: WritePath) -> None:
        self.protocols = protocols
        self.writes = writes

    def protocol_for(self, format_: Format, event_protocol: Protocol) -> Protocol:
        if format_ == "pairs" and event_protocol.room.seats == 2:
            return event_protocol
        return self.protocols.get(FORMAT_PROTOCOLS[format_])

    async def switch(
        self,
        principal: Principal,
        *,
        format_: Format,
        setup_version: int,
        room_ids: Sequence[str] | None,
        present_team_ids: Sequence[str],
        inner_team_ids: Sequence[str] = (),
    ) -> Switched:
        principal.require_uber("switch the format")

        async def attempt(tx: Tx) -> Switched:
            loaded = await tx.load_event(principal.event_id)
            event = loaded.events[principal.event_id]
            setup = await tx.setups.get(tx.session, event)
            states = {stored.room.id: stored.state for stored in loaded.rooms}
            rooms = sorted(setup.rooms.values(), key=lambda room: (room.position, room.id))
            if room_ids is not None:
                missing = [room_id for room_id in room_ids if room_id not in setup.rooms]
                if missing:
                    raise NotFound(
                        f"no room with id {missing[0]!r} in this event", field="room_ids"
                    )
                rooms = [room for room in rooms if room.id in set(room_ids)]
            if not rooms:
                raise Conflict(
                    "the event has no rooms to switch: make rooms first", field="room_ids"
                )
            chosen = {room.id for room in rooms}
            elsewhere = {
                team_id: room.label
                for room in setup.rooms.values()
                if room.id not in chosen
                for team_id in room.team_ids
                if team_id
            }
            for index, team_id in enumerate(present_team_ids):
                team = setup.teams.get(team_id)
                if team is None:
                    raise NotFound(
                        f"no team with id {team_id!r} in this event",
                        field=f"present_team_ids[{index}]",
                    )
                if team_id in elsewhere:
                    raise Conflict(
                        f"{team.name} is in {elsewhere[team_id]}, which is not being switched: "
                        "add that room to the switch, or leave the team out",
                        field=f"present_team_ids[{index}]",
                    )
            if event.setup_version != setup_version:
                raise stale(setup_version, event.setup_version)
            protocol = self.protocol_for(format_, tx.protocols.get(event.protocol_id))
            present = [setup.teams[team_id] for team_id in present_team_ids]
            deal = self._deal(format_, protocol, present, inner_team_ids)
            # Rooms re-used in order; more made if pairs outnumber them.
            targets: list[Room] = list(rooms[: len(deal)])
            position = max(room.position for room in setup.rooms.values())
            while len(targets) < len(deal):
                position += 1
                targets.append(
                    await crud.create_room(
                        tx.session,
                        event_id=event.id,
                        label=f"Room {position}",
                        team_ids=[],
                        state=RunState(protocol.id),
                        position=position,
                    )
                )
            ended = rooms[len(deal) :]
            seats: dict[str, list[tuple[str, str]]] = {room.id: [] for room in rooms}
            for room, dealt in zip(targets, deal, strict=True):
                seats[room.id] = dealt
            # One deal: every switched room's seats go first, then the new ones are
            # written, so a team moving between switched rooms never holds two seats.
            await crud.deal_seats(tx.session, seats=seats)
            before = {t: room.id for room in rooms for t in room.team_ids if t}
            after = {t: room_id for room_id, dealt in seats.items() for t, _ in dealt if t}
            homes = {
                t: after.get(t) for t in set(before) | set(after) if before.get(t) != after.get(t)
            }
            moved = await crud.rehome_member_links(tx.session, homes=homes)
            # The own links of rooms no longer needed lead to the first re-formed room.
            for room in ended:
                moved += await crud.point_room_links(
                    tx.session, from_room_id=room.id, to_room_id=targets[0].id
                )
            tx.links_moved(event.id, moved)
            detail = {"format": format_, "protocol_id": protocol.id}
            for room in targets:
                state = states.get(room.id)
                if state is None:  # made just now, already in the new format
                    continue
                step = engine.reform(protocol, state, tx.now)
                # The room's update shows its new seats.
                dealt = seats[room.id]
                room = replace(
                    room,
                    team_ids=tuple(team_id for team_id, _ in dealt),
                    fixed_roles=tuple(role for _, role in dealt),
                )
                tx.change_room(
                    room,
                    state,
                    [(step, principal.actor, "switch_format", detail)],
                    event=event,
                    teams=setup.teams,
                )
            for room in ended:
                state = states[room.id]
                room = replace(room, team_ids=(), fixed_roles=())
                if state.status in TERMINAL_STATUSES:
                    continue
                old = tx.protocols.get(state.protocol_id)
                steps = engine.command_steps(old, state, cmd.Finish(state.version), tx.now)
                tx.change_room(
                    room,
                    state,
                    [(step, principal.actor, "switch_format", detail) for step in steps],
                    event=event,
                    teams=setup.teams,
                )
            absent = sorted(set(before) - set(after))
            tx.log(
                event.id,
                None,
                principal.actor,
                "event.switch_format",
                detail={
                    "format": format_,
                    "protocol_id": protocol.id,
                    "rooms": [room.id for room in targets],
                    "ended_rooms": [room.id for room in ended],
                    "present_team_ids": list(present_team_ids),
                    "inner_team_ids": list(inner_team_ids),
                    "absent_team_ids": absent,
                },
            )
            tx.setup_changed(event.id, seen=setup_version)
            return Switched(
                format_, protocol.id, [room.id for room in targets], [r.id for r in ended], absent
            )

        return await self.writes.run(attempt, what="the format")

    @staticmethod
    def _deal(
        format_: Format,
        protocol: Protocol,
        present_teams: Sequence[Team],
        inner_team_ids: Sequence[str],
    ) -> list[list[tuple[str, str]]]:
        """Each re-formed room's seats: (team id, fixed role or "")."""
        name = FORMAT_NAMES[format_]
        if format_ == "pairs":
            if len(present_teams) < 2:
                raise Conflict(
                    f"pairs need at least two teams present, got {len(present_teams)}: "
                    "switch to a single presenting team instead",
                    field="present_team_ids",
                )
            if inner_team_ids:
                raise BadRequest(
                    "pairs are formed automatically: no inner_team_ids", field="inner_team_ids"
                )
            pairing = pair_teams(present_teams, "both", "join")
            if pairing.leftovers:
                names = ", ".join(team.name for team in pairing.leftovers)
                raise Conflict(
                    f"{names} can only be paired with a copy of itself: delete the copy first",
                    field="present_team_ids",
                )
            joining = [role for role in extra_roles(protocol) if role != protocol.room.others]
            rooms = [[(a.id, ""), (b.id, "")] for a, b in pairing.pairs]
            if pairing.extra is not None:
                team, index = pairing.extra
                rooms[index].append(
                    (team.id, joining[0] if joining else protocol.room.others or "")
                )
            return rooms
        seats = protocol.room.seats
        needed = seats + 1
        if len(present_teams) < needed:
            raise Conflict(
                f"{name} needs at least {needed} teams present ({seats} inside and someone "
                f"to listen), got {len(present_teams)}: "
                + (
                    "switch to a single presenting team instead"
                    if format_ == "fishbowl"
                    else "wait for more teams, or keep the rooms as they are"
                ),
                field="present_team_ids",
            )
        if len(inner_team_ids) != seats or len(set(inner_team_ids)) != seats:
            raise BadRequest(
                f"{name} seats {seats} team(s) inside, in seat order: inner_team_ids needs "
                f"{seats} different team(s), got {len(inner_team_ids)}",
                field="inner_team_ids",
            )
        ids = [team.id for team in present_teams]
        for index, team_id in enumerate(inner_team_ids):
            if team_id not in ids:
                raise BadRequest(
                    f"inner team {team_id!r} is not among the teams present",
                    field=f"inner_team_ids[{index}]",
                )
        others = protocol.room.others or ""
        dealt = [(team_id, "") for team_id in inner_team_ids]
        dealt += [(team_id, others) for team_id in ids if team_id not in inner_team_ids]
        return [dealt]
