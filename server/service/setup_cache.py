"""Each event's setup (rooms, seats, teams), read once per setup version.

Rules: the event row carries a ``setup_version`` that every setup change
raises in the same transaction (``Tx.setup_changed``). A change or a snapshot
reads the event row anyway; it takes the setup from this cache only when
the cached copy is of exactly that version, and reads it afresh otherwise
(in the same session). So a cached setup is never older than what the
reader's own transaction saw, in this process or any other, and a start of
every room reads each room's run state and nothing else. Records are
immutable, so sharing them is safe. At most ``EVENTS`` events are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import Event, Team
from server.domain.state import RunState
from server.store import crud

EVENTS = 256


class SetupCache:
    def __init__(self) -> None:
        self._setups: OrderedDict[str, crud.Setup] = OrderedDict()
        self.reads = 0

    async def get(
        self, session: AsyncSession, event: Event, *, rooms: Iterable[str] = ()
    ) -> crud.Setup:
        """The event's setup at its ``setup_version``, holding every room in ``rooms``."""
        cached = self._setups.get(event.id)
        if (
            cached is not None
            and cached.version == event.setup_version
            and all(room_id in cached.rooms for room_id in rooms)
        ):
            self._setups.move_to_end(event.id)
            return cached
        setup = await crud.load_setup(session, event_id=event.id, version=event.setup_version)
        self.reads += 1
        self._setups[event.id] = setup
        self._setups.move_to_end(event.id)
        while len(self._setups) > EVENTS:
            self._setups.popitem(last=False)
        return setup

    async def loaded(
        self,
        session: AsyncSession,
        events: Mapping[str, Event],
        states: Mapping[str, tuple[str, RunState]],
    ) -> crud.Loaded:
        """Run states joined with their rooms' setup and seated teams."""
        loaded = crud.Loaded(events=dict(events))
        teams: dict[str, Team] = {}
        for event_id, event in events.items():
            room_ids = [room_id for room_id, (owner, _) in states.items() if owner == event_id]
            setup = await self.get(session, event, rooms=room_ids)
            teams.update(setup.teams)
            loaded.rooms += [
                crud.StoredRoom(setup.rooms[room_id], states[room_id][1])
                for room_id in room_ids
                if room_id in setup.rooms
            ]
        loaded.teams = teams
        return loaded
