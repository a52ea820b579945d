"""A uvicorn websocket protocol with a direct send for the hub's fan-out.

uvicorn's sans-I/O protocol writes a text frame to the socket without ever
suspending when the socket is writable. This subclass offers that write as a
plain function in the connection's ASGI scope (``consult.send_now``), so the
hub can hand one message to thousands of idle connections without waking a
task for each. Anything the function cannot do at once (the socket's buffer
is full, the connection is closing) it declines, returning False, and the
hub falls back to the connection's bounded queue and ASGI ``send``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SEND_NOW = "consult.send_now"
SendNow = Callable[[bytes], bool]


class ConsultWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if hasattr(self, "scope"):
            self.scope["extensions"][SEND_NOW] = self._send_now  # type: ignore[assignment]

    def _send_now(self, data: bytes) -> bool:
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.conn.send_text(data)
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True
