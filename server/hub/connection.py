"""One client's websocket as the fan-out sees it: a direct write, a bounded queue, an exit.

Rules:
- Handing a message over never waits: an idle connection is written to at once
  where the server offers a direct write (the ``consult.send_now`` extension,
  ``server.fast_ws``), with the message's websocket frame built once for every
  connection (``text_frame``); otherwise the message waits in a bounded queue
  that one task (alive only while something is queued) sends in order.
- A connection that cannot take a message (its queue is full, its write
  raised, its socket is gone) refuses it; the hub then evicts it. A failure is
  kept in ``failure`` for the log, never raised into the fan-out.
- Eviction is for real: the queue is emptied, the pump stopped, a close frame
  (1013, "try again later") is sent if the socket takes it within a grace
  period, and if the connection has not ended by then its transport is
  aborted (the ``consult.abort`` extension), so the socket, the reader task
  and every buffer are released even when the client never reads again.
- A connection also holds what its person said of themselves for presence: the
  name they gave and their page's clock quality (``server.hub.presence``). It
  lasts as long as the connection; a page says it again after reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import deque
from collections.abc import Callable

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from websockets.frames import Frame, Opcode

from server.hub.envelope import Member

SEND_NOW = "consult.send_now"
"""ASGI scope extension: ``(frame: bytes) -> bool``, write one complete, unmasked text
frame (``text_frame``) now, or decline."""
ABORT = "consult.abort"
"""ASGI scope extension: ``() -> None``, drop the connection's transport at once."""

SendNow = Callable[[bytes], bool]
Abort = Callable[[], None]

DROP_CODE = 1013  # "try again later": the client reconnects and resyncs
EVICT_GRACE_SECONDS = 2.0
"""How long an evicted connection may take to close cleanly before its transport is aborted."""


def text_frame(data: bytes) -> bytes:
    """A server's websocket text frame (unmasked, unfragmented, no extension) for ``data``:
    the same bytes for every connection, so a fan-out builds it once."""
    return Frame(Opcode.TEXT, data).serialize(mask=False, extensions=[])


class Connection:
    """One websocket, and a bounded queue of what could not be written at once."""

    __slots__ = (
        "abort",
        "direct",
        "dropped",
        "ended",
        "failure",
        "id",
        "live",
        "member",
        "name",
        "offset_ms",
        "on_failure",
        "pending",
        "pumping",
        "queue_size",
        "round_trip_ms",
        "websocket",
    )

    def __init__(self, websocket: WebSocket, member: Member, queue_size: int) -> None:
        self.websocket = websocket
        self.member = member
        self.queue_size = queue_size
        self.id = secrets.token_hex(4)
        """Names the connection in logs."""
        self.pending: deque[str] = deque()
        self.dropped = False
        self.failure: str | None = None
        """Why the connection could not take a message (for the log)."""
        self.live = False
        """True once the snapshot is out: from then on, messages may go straight out."""
        self.pumping: asyncio.Task[None] | None = None
        """Sends what is pending; exists only while something is (idle connections hold no task)."""
        extensions = websocket.scope.get("extensions") or {}
        self.direct: SendNow | None = extensions.get(SEND_NOW)
        self.abort: Abort | None = extensions.get(ABORT)
        self.ended = asyncio.Event()
        """Set once the endpoint has finished with this connection."""
        self.on_failure: Callable[[Connection], None] | None = None
        """Told when the pump fails after a message was accepted (the hub evicts)."""
        self.name = ""
        """The name the person gave on this connection ("" for none)."""
        self.offset_ms: float | None = None
        """The page's estimate of server minus client time, as presence shows it (None: not
        reported yet)."""
        self.round_trip_ms: float | None = None
        """The round trip that estimate rests on, as presence shows it (None: not reported)."""

    def offer(self, text: str, frame: bytes | None = None) -> bool:
        """Send or queue a message without waiting; False if the connection cannot take it.

        An idle connection (nothing pending, nothing being sent) is written to at
        once when the server supports it; otherwise the message waits in the
        bounded queue, so order is kept either way.
        """
        if self.dropped:
            return False
        idle = self.pumping is None or self.pumping.done()
        if self.direct is not None and self.live and idle and not self.pending:
            try:
                if self.direct(frame if frame is not None else text_frame(text.encode())):
                    return True
            except Exception as error:  # a broken socket must not reach the fan-out
                self.failure = f"direct write failed: {error!r}"
                return False
        if len(self.pending) >= self.queue_size:
            self.failure = f"fell {self.queue_size} messages behind"
            return False
        self.pending.append(text)
        if self.live and idle:
            self.pumping = asyncio.create_task(self._pump())
        return True

    async def send_now(self, text: str) -> None:
        await self.websocket.send_text(text)

    def go_live(self) -> None:
        """The snapshot is out: send what queued up meanwhile, then send as messages come."""
        self.live = True
        if self.pending:
            self.pumping = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            while self.pending:
                await self.websocket.send_text(self.pending.popleft())
        except WebSocketDisconnect:
            # The client has gone: its endpoint is leaving the hub; nothing to evict.
            self.dropped = True
            self.pending.clear()
        except Exception as error:
            self.failure = f"send failed: {error!r}"
            if self.on_failure is not None:
                self.on_failure(self)

    async def stop(self) -> None:
        """Stop sending (the endpoint is finishing); idempotent."""
        self.pending.clear()
        pump = self.pumping
        if pump is not None and not pump.done() and pump is not asyncio.current_task():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def close(self, code: int, reason: str, *, within: float = 1.0) -> None:
        """Send a close frame if the socket takes it within ``within`` seconds."""
        if self.websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(code=code, reason=reason), within)

    async def farewell(
        self, notice: str | None, code: int, reason: str, grace: float = EVICT_GRACE_SECONDS
    ) -> bool:
        """Say why (``notice``), then close for good; True if the transport was aborted.

        Nothing else is sent first: what was pending is dropped, since the
        person may no longer see it."""
        self.dropped = True
        await self.stop()
        if notice is not None and self.websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.send_text(notice), grace)
        return await self.evict(code, reason, grace)

    async def evict(self, code: int, reason: str, grace: float = EVICT_GRACE_SECONDS) -> bool:
        """Close for good; True if the transport had to be aborted.

        The caller has marked the connection dropped, so nothing new is queued.
        """
        self.dropped = True
        await self.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.close(code, reason, within=grace)
                await self.ended.wait()
                return False
        if self.abort is not None:
            with contextlib.suppress(Exception):
                self.abort()
            return True
        return False
