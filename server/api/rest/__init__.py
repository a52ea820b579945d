"""The REST API: setup, and the same live commands as the websocket.

Rules: every route names its caller through ``PrincipalDep`` (or the admin
key) and goes through the services, never to persistence; a refusal is an
error body ``{"error": {"code", "message", "field"}}`` with a 4xx status
(a conflict also says which change got there first, ``change``; a 422 for a
malformed body also keeps FastAPI's ``detail`` list). Replies are typed: the
same results as the websocket's ``command.ok``.
"""

from __future__ import annotations

from fastapi import APIRouter

from server.api.rest import agenda, data, edits, grouping, links, live, setup, writing

router = APIRouter()
for part in (setup, grouping, edits, links, live, agenda, writing, data):
    router.include_router(part.router)
