"""The reference: a bare python-websockets server doing the same fan-out.

Clients connect to ``/ws?group=G`` and get a ``hello`` of a given size on
connecting (the stand-in for a snapshot); a controller connected to
``/control`` sends ``{"group": G | null, "payload": "..."}`` and the server
fans the payload out with websockets' own ``broadcast()``. Per-message
compression is off; the loop is uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict
from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hello-bytes", type=int, default=64)
    arguments = parser.parse_args()

    from bench.common import install_uvloop, raise_file_limit

    raise_file_limit()
    install_uvloop()
    asyncio.run(run(arguments.port, arguments.hello_bytes))


async def run(port: int, hello_bytes: int) -> None:
    groups: dict[str, set[ServerConnection]] = defaultdict(set)
    everyone: set[ServerConnection] = set()
    hello = json.dumps({"type": "hello", "pad": "x" * max(0, hello_bytes - 30)})

    def health(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        url = urlparse(connection.request.path if connection.request else "/")
        if url.path == "/control":
            async for text in connection:
                command = json.loads(text)
                targets = (
                    everyone if command.get("group") is None else groups[str(command["group"])]
                )
                broadcast(targets, command["payload"])
                await connection.send("done")
            return
        group = parse_qs(url.query).get("group", ["0"])[0]
        groups[group].add(connection)
        everyone.add(connection)
        try:
            await connection.send(hello)
            await connection.wait_closed()
        finally:
            groups[group].discard(connection)
            everyone.discard(connection)

    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        process_request=health,
        backlog=4096,
        max_queue=16,
    ):
        await asyncio.Future()


if __name__ == "__main__":
    main()
