"""Dependencies the routes declare (after the FastAPI full-stack template's deps.py).

Rules: routes get the services and the caller through these ``Annotated``
aliases; the caller is named by ``Authorization: Bearer <join token>``;
creating events needs ``X-Admin-Key``, which also manages an event's links
(``StewardDep``: the admin key with ``?event_id=``, or an uber link). Both go through the throttle
(``server.api.throttle``): a guessing address is refused before any lookup,
and an authenticated call counts against its link and its address.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Query, Request, WebSocket
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from server.access import Principal
from server.api.throttle import Throttle
from server.errors import BadRequest, Unauthorized
from server.service import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_address(request: Request | WebSocket) -> str:
    return request.client.host if request.client is not None else "unknown"


def get_throttle(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


JOIN_TOKEN = HTTPBearer(
    auto_error=False,
    scheme_name="joinToken",
    description="A join link's token (its last path part)",
)
ADMIN_KEY = APIKeyHeader(
    name="X-Admin-Key",
    auto_error=False,
    scheme_name="adminKey",
    description="The server's admin key",
)
"""Declared as OpenAPI security schemes, so clients and contract tests know which
operation takes which; both are checked here, with our own error answers."""

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(JOIN_TOKEN)]
AdminKey = Annotated[str | None, Depends(ADMIN_KEY)]


async def get_principal(
    request: Request, services: ServicesDep, credentials: Credentials = None
) -> Principal:
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise Unauthorized("send your join token as 'Authorization: Bearer <token>'")
    throttle, address = get_throttle(request), client_address(request)
    throttle.guard(address)
    try:
        principal = await services.principals.authenticate(token)
    except Unauthorized:
        throttle.failed(address)
        raise
    throttle.served(token, address)
    services.sightings.used(principal.link_id)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_admin(request: Request, x_admin_key: AdminKey = None) -> None:
    expected: str = request.app.state.admin_key
    throttle, address = get_throttle(request), client_address(request)
    throttle.guard(address)
    if not x_admin_key or not secrets.compare_digest(x_admin_key, expected):
        throttle.failed(address)
        raise Unauthorized("creating events needs the server's admin key in the X-Admin-Key header")


AdminDep = Annotated[None, Depends(require_admin)]


async def get_link_steward(
    request: Request,
    services: ServicesDep,
    credentials: Credentials = None,
    x_admin_key: AdminKey = None,
    event_id: Annotated[
        str | None, Query(description="With the admin key: the event whose links these are")
    ] = None,
) -> Principal:
    """Who manages links: an uber moderator's link, or the admin key for a named event."""
    if x_admin_key is None:
        return await get_principal(request, services, credentials)
    require_admin(request, x_admin_key)
    if not event_id:
        raise BadRequest(
            "with the admin key, name the event: add ?event_id=... to the URL", field="event_id"
        )
    return Principal.admin(event_id)


StewardDep = Annotated[Principal, Depends(get_link_steward)]
