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

    async def on_due(self, keys: list[str]) -> None:
        """The scheduler's callback: rooms' timer steps (one batch), events' recall ends."""
        rooms = [key.partition(":")[2] for key in keys if key.startswith("room:")]
        if rooms:
            await self.rooms.tick_many(rooms)
        for key in keys:
            if key.startswith("event:"):
                await self.live.finish_recall(key.partition(":")[2])


__all__ = ["Context", "Link", "Services"]
