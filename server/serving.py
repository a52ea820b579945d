"""How the live server is served by uvicorn: one set of options for the CLI and the tests.

Rules:
- ``/ws`` uses ``server.fast_ws`` where the installed uvicorn allows it (see
  there), else the implementation ``ws_implementation`` names.
- Keepalive pings every ``ws_ping_interval`` seconds; a connection whose pong
  does not come within ``ws_ping_timeout`` is closed, so half-open
  connections (a laptop closed mid-meeting) release their socket and tasks.
- Frames are not compressed (it costs more than it saves on small JSON), and
  client frames are capped at 64 KiB (they are small commands).
"""

from __future__ import annotations

from typing import Any

from server.fast_ws import protocol_class
from server.settings import Settings


def websocket_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``/``uvicorn.run`` about websockets."""
    fast = protocol_class() if settings.ws_implementation == "auto" else None
    implementation: Any = fast or settings.ws_implementation
    return {
        "ws": implementation,
        "ws_per_message_deflate": False,
        "ws_max_size": 64 * 1024,
        "ws_max_queue": 16,
        "ws_ping_interval": settings.ws_ping_interval,
        "ws_ping_timeout": settings.ws_ping_timeout,
    }
