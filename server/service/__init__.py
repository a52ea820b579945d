"""The application services: what the REST routes and the websocket call.

``Services`` bundles them around one ``Context`` (settings, database sessions,
protocols, clock, hub, scheduler hook), built by the app's lifespan.
"""

from __future__ import annotations

from server.service.context import Context
from server.service.help import HelpDesk
from server.service.live import LiveOperations
from server.service.rooms import RoomRunner
from server.service.setup import EventSetup, Link
from server.service.snapshot import Snapshots


class Services:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.rooms = RoomRunner(context)
        self.live = LiveOperations(context, self.rooms)
        self.help = HelpDesk(context)
        self.setup = EventSetup(context)
        self.snapshots = Snapshots(context)

    async def on_due(self, key: str) -> None:
        """The scheduler's callback: a room's timer step or an event's recall end."""
        kind, _, identifier = key.partition(":")
        if kind == "room":
            await self.rooms.tick(identifier)
        elif kind == "event":
            await self.live.finish_recall(identifier)


__all__ = ["Context", "Link", "Services"]
