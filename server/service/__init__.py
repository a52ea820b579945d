"""The application services: what the REST routes and the websocket call.

``Services`` bundles them around one ``Context`` (settings, database sessions,
protocols, clock, hub, scheduler hook) and one ``WritePath``, the door every
change to stored state goes through; built by the app's lifespan.
"""

from __future__ import annotations

from server.forms import shipped_forms
from server.service.agenda import SessionAgenda
from server.service.asks import Asks
from server.service.context import Context
from server.service.data_rights import DataRights
from server.service.event_plan import EventPlan
from server.service.event_wide import EventActions
from server.service.feedback import FeedbackDesk
from server.service.format_switch import FormatSwitch
from server.service.forms import FormDesk
from server.service.grouping import RoomGrouping
from server.service.help import HelpDesk
from server.service.links import Link, LinkDesk
from server.service.notes import NoteDesk
from server.service.principals import Principals
from server.service.report import Reports
from server.service.rooms import RoomCommands
from server.service.setup import EventSetup
from server.service.setup_cache import SetupCache
from server.service.setup_edits import SetupEdits
from server.service.sightings import Sightings
from server.service.snapshot import Snapshots
from server.service.write_path import WritePath


class Services:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.setups = SetupCache()
        self.writes = WritePath(context, self.setups)
        self.rooms = RoomCommands(self.writes)
        self.event = EventActions(context, self.writes)
        self.help = HelpDesk(self.writes)
        self.notes = NoteDesk(self.writes)
        self.feedback = FeedbackDesk(self.writes)
        self.asks = Asks(context.settings, self.writes)
        self.data = DataRights(context, self.writes)
        self.forms = FormDesk(shipped_forms(), self.writes)
        self.reports = Reports(context.protocols, shipped_forms(), self.writes)
        self.links = LinkDesk(context.settings, context.clock, self.writes)
        self.setup = EventSetup(context.protocols, self.writes, self.links)
        self.edits = SetupEdits(context.protocols, self.writes)
        self.grouping = RoomGrouping(context.protocols, self.writes, self.setup)
        self.formats = FormatSwitch(context.protocols, self.writes)
        self.plan = EventPlan(self.setup, self.writes)
        self.agenda = SessionAgenda(self.writes)
        self.snapshots = Snapshots(context, self.setups)
        self.principals = Principals(context)
        self.sightings = Sightings(context, self.writes)

    async def on_due(self, keys: list[str]) -> None:
        """The scheduler's callback: events' recall ends, then rooms' timer steps."""
        for key in keys:
            if key.startswith("event:"):
                await self.event.end_recall(key.partition(":")[2])
        rooms = [key.partition(":")[2] for key in keys if key.startswith("room:")]
        if rooms:
            await self.rooms.tick(rooms)


__all__ = ["Context", "Link", "Services"]
