"""The live fan-out of this process, split by concept.

- ``envelope``: what one backplane publish carries (audience, deadline, payload;
  presence, heartbeats, resync), pure.
- ``connection``: one client's websocket, its bounded queue and its eviction.
- ``registry``: this process's connections by event and room, and the fan-out.
- ``presence``: who is connected, by room and process, with expiry.
- ``reader``: a backplane subscription that outlives every failure.
- ``schedule``: every change set's deadlines, shared with every process.
- ``hub``: the ``Hub`` that ties them to the backplane, one reader per event.

Nothing here touches the database or a use case.
"""

from server.hub.connection import DROP_CODE, Connection
from server.hub.envelope import Audience, Member
from server.hub.hub import Hub

__all__ = ["DROP_CODE", "Audience", "Connection", "Hub", "Member"]
