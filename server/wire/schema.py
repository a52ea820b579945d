"""The websocket's messages as JSON Schema, both directions, from the code itself.

Served at ``/api/ws/schema`` and kept in ``docs/ws-schema.json`` (a test fails
when that file differs from what the code says, so the published schema cannot
drift). ``python -m server.wire.schema > docs/ws-schema.json`` regenerates it.
"""

from __future__ import annotations

import json
from typing import Any

from server.wire.messages import client_message_adapter, server_message_adapter


def websocket_schema() -> dict[str, Any]:
    return {
        "title": "consult websocket messages (/ws)",
        "client_to_server": client_message_adapter.json_schema(),
        "server_to_client": server_message_adapter.json_schema(),
    }


def render() -> str:
    return json.dumps(websocket_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
