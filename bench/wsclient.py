"""A minimal asyncio websocket client for load generation.

An ``asyncio.Protocol`` per connection, no task per client and no JSON
parsing on receipt: it records when each text message arrived and hands the
raw bytes to a callback, so the generator is cheap enough that it is not what
is being measured. Server frames are unmasked; client frames are masked as
RFC 6455 requires. Server pings are answered; close frames end the connection.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable
from typing import cast

Handler = Callable[["WSClient", bytes, float], None]


def _mask(payload: bytes, key: bytes) -> bytes:
    length = len(payload)
    repeated = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(
        length, "little"
    )


def encode_frame(payload: bytes, opcode: int = 1) -> bytes:
    key = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + key + _mask(payload, key)


class WSClient(asyncio.Protocol):
    def __init__(self, host: str, path: str, on_message: Handler) -> None:
        self.host = host
        self.path = path
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.opened: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.close_code = 0
        self.messages = 0

    # -- asyncio.Protocol ------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self.transport = cast(asyncio.Transport, transport)
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.buffer[: self.buffer.find(b"\r\n")]
            self.buffer = self.buffer[end + 4 :]
            if b" 101 " not in status:
                self._fail(0)
                return
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(now)
        self._frames(now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the upgrade"))
        if not self.closed.done():
            self.closed.set_result(self.close_code or 1006)

    # -- frames ------------------------------------------------------------------

    def _frames(self, now: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length = second & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length = struct.unpack_from("!H", buffer, 2)[0]
                offset = 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length = struct.unpack_from("!Q", buffer, 2)[0]
                offset = 10
            if len(buffer) < offset + length:
                break
            payload = buffer[offset : offset + length]
            buffer = buffer[offset + length :]
            opcode = first & 0x0F
            if opcode in (1, 2, 0):
                self.messages += 1
                self.on_message(self, payload, now)
            elif opcode == 9 and self.transport is not None:
                self.transport.write(encode_frame(payload, 0xA))
            elif opcode == 8:
                self.close_code = (
                    struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
                )
                if self.transport is not None:
                    self.transport.close()
        self.buffer = buffer

    def _fail(self, code: int) -> None:
        self.close_code = code
        if self.transport is not None:
            self.transport.close()

    def send_text(self, text: str) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(text.encode()))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(struct.pack("!H", 1000), 0x8))
            self.transport.close()


async def connect(host: str, port: int, path: str, on_message: Handler) -> WSClient:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(
        lambda: WSClient(f"{host}:{port}", path, on_message), host, port
    )
    await protocol.opened
    return protocol
