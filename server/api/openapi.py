"""The OpenAPI document, exact where the code alone cannot say it.

Rules: FastAPI builds the document from the routes; this adds what depends on
the running app (the protocols it knows, as the enum of ``protocol_id``) and the
links between operations (a snapshot's room ids and versions feed room
commands), so clients and contract tests (schemathesis, stateful) can follow them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI

ROOM_COMMAND_OPERATION = "room_command"

SNAPSHOT_LINKS: dict[str, Any] = {
    "RunTheFirstRoom": {
        "operationId": ROOM_COMMAND_OPERATION,
        "description": "A room of the snapshot, commanded at the version the snapshot shows",
        "parameters": {"path.room_id": "$response.body#/rooms/0/id"},
        "requestBody": {"expected_version": "$response.body#/rooms/0/version"},
        "x-schemathesis": {"merge_body": True},
    }
}


def refine(app: FastAPI, protocol_ids: Callable[[], Iterable[str]]) -> None:
    """Make ``app.openapi()`` name the protocols this app knows."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        event = document["components"]["schemas"]["EventCreate"]["properties"]
        event["protocol_id"]["enum"] = sorted(protocol_ids())
        return document

    app.openapi = openapi  # type: ignore[method-assign]
