"""A uvicorn websocket protocol with a direct send for the hub's fan-out, contained.

uvicorn's sans-I/O protocol (``WebSocketsSansIOProtocol``, uvicorn 0.35 and
later) writes to the socket without suspending when the socket is writable.
This subclass offers that write as a plain function in the connection's ASGI
scope (``consult.send_now``), taking a complete text frame that the hub builds
once per message, so the hub can hand one message to thousands of idle
connections without waking a task, or framing the message, for each (without
it the recall tail roughly doubles: docs/benchmarks.md). It also offers
``consult.abort``, which drops the transport of an evicted connection whose
client never reads again.

Rules, because this leans on fields uvicorn does not promise to keep:
- ``pyproject.toml`` pins uvicorn to the range this was tested with.
- At each connect, ``capable`` checks that every field used is there with the
  expected type; if not, the connection gets no ``send_now`` (the hub uses the
  ordinary ASGI send, slower but correct) and the first such connection logs a
  warning naming what is missing. ``abort`` uses only ``asyncio.Transport``.
- The direct write is offered only where no websocket extension was negotiated
  (the server turns per-message deflate off), so one frame fits every socket.
- The direct write declines (returns False) whenever it cannot write at once:
  the handshake is not complete, a close was sent or received, the transport
  is paused or closing. Any exception it raises is the hub's to contain
  (``Connection.offer`` catches it and the connection is evicted).
- ``protocol_class()`` is what servers are given: this class where uvicorn has
  the sans-I/O protocol, else None (uvicorn's default, with no fast path).
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.hub.connection import ABORT, SEND_NOW
from server.logs import get_logger

log = get_logger(__name__)

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - uvicorn without the sans-I/O protocol
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

REQUIRED_FLAGS = ("handshake_complete", "close_sent", "disconnected")
_warned = False


def capable(protocol: Any) -> str | None:
    """None if the direct write can work on this protocol object, else what is missing."""
    for name in REQUIRED_FLAGS:
        if not isinstance(getattr(protocol, name, None), bool):
            return f"{name} (a bool)"
    if not isinstance(getattr(protocol, "writable", None), asyncio.Event):
        return "writable (an asyncio.Event)"
    transport = getattr(protocol, "transport", None)
    if not all(callable(getattr(transport, name, None)) for name in ("write", "is_closing")):
        return "transport (an asyncio.Transport)"
    conn = getattr(protocol, "conn", None)
    if getattr(conn, "extensions", None) != []:
        # A negotiated extension (per-message deflate) changes every frame: no shared frame.
        return "conn.extensions (none negotiated)"
    return None


if WebSocketsSansIOProtocol is not None:

    class ConsultWebSocketProtocol(WebSocketsSansIOProtocol):
        def handle_connect(self, event: Any) -> None:
            super().handle_connect(event)
            scope = getattr(self, "scope", None)
            if scope is None:
                return
            extensions = scope.setdefault("extensions", {})
            extensions[ABORT] = self._abort
            missing = capable(self)
            if missing is None:
                extensions[SEND_NOW] = self._send_now
                return
            global _warned
            if not _warned:
                _warned = True
                log.warning(
                    "fast_ws.unavailable",
                    missing=missing,
                    hint="this uvicorn's sans-I/O protocol differs from the tested one; "
                    "messages go through the ordinary ASGI send",
                )

        def _send_now(self, frame: bytes) -> bool:
            if (
                not self.handshake_complete
                or self.close_sent
                or self.disconnected
                or not self.writable.is_set()
                or self.transport.is_closing()
            ):
                return False
            # A complete frame, the same for every connection: written as it is. The
            # protocol object has nothing to track for an unfragmented data frame.
            self.transport.write(frame)
            return True

        def _abort(self) -> None:
            # Also when already closing: a close stuck behind a full buffer never finishes.
            transport = getattr(self, "transport", None)
            if transport is not None:
                transport.abort()

else:  # pragma: no cover
    ConsultWebSocketProtocol = None  # type: ignore[assignment,misc]


def protocol_class() -> type[Any] | None:
    """The websocket protocol to give uvicorn (None: its default)."""
    return ConsultWebSocketProtocol
