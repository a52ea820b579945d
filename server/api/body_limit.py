"""Request bodies are capped before they are read.

Rules:
- A request whose ``Content-Length`` is over its path's cap is answered ``413``
  (code ``request.too_large``, in the error object every error has) without one
  byte of its body being read; a body sent without a length (chunked) is counted
  as it arrives and refused the moment it passes the cap.
- The cap is ``max_body_bytes`` (JSON bodies are small: commands, teams, links),
  and ``max_csv_bytes`` for the CSV import, which carries whole team lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSV_IMPORT_PATH = "/api/teams/import"


def too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the app: its error handler answers in the error object.
                    raise HTTPException(413, too_large(limit))
            return message

        await self.app(scope, counted, send)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "request.too_large", "message": too_large(limit), "field": None}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
