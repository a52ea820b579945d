"""The app factory and its lifespan: the only place resources are made.

Rules: nothing is built at import time. ``create_app(settings)`` returns an
app whose lifespan opens the database, connects the backplane, starts the
hub and the one scheduler, reloads every room's and event's deadline (so a
restarted server carries on exactly where it was, applying each overdue
transition once), and closes all of it on shutdown. Tests pass their own
clock and settings.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from server import logs
from server.api import openapi, pages, rest, ws
from server.api.body_limit import CSV_IMPORT_PATH, BodyLimit
from server.api.deps import AdminDep
from server.api.headers import SecurityHeaders
from server.api.schemas import ERROR_RESPONSES
from server.api.throttle import Throttle
from server.assets import web_client_dir
from server.backplane import Backplane, create_backplane
from server.clock import Clock
from server.errors import ServiceError, error_body
from server.fields import field_path
from server.gc_policy import CollectionPolicy
from server.hub import Hub
from server.logs import get_logger
from server.metrics import Metrics
from server.protocols import ProtocolLibrary, shipped_library
from server.scheduler import Scheduler
from server.service import Context, Services
from server.service.rehearsal import server_clock
from server.settings import Settings
from server.store import crud
from server.store.db import open_database, session_factory

log = get_logger(__name__)

BACKPLANE_BUFFER = 100_000
"""Messages a process may fall behind its backplane subscription before it
resyncs all its clients: generous, because a recall to hundreds of rooms is
published as one burst."""


async def _reload_deadlines(services: Services, scheduler: Scheduler) -> int:
    async with services.context.sessions() as session:
        rooms = await crud.rooms_with_deadlines(session)
        recalling = await crud.events_recalling(session)
    for room_id, due in rooms:
        scheduler.set(f"room:{room_id}", due)
    for event_id, deadline in recalling:
        scheduler.set(f"event:{event_id}", deadline)
    return len(rooms)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    protocols: ProtocolLibrary | None = None,
    on_ready: Callable[[Services], Awaitable[None]] | None = None,
    backplane: Backplane | None = None,
) -> FastAPI:
    """Build the app; ``on_ready`` is awaited once it can serve (the demo uses it).

    ``backplane`` replaces the one ``settings.backplane_url`` names (tests inject faults).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready = False
        app.state.admin_key = (
            settings.admin_key.get_secret_value()
            if settings.admin_key
            else secrets.token_urlsafe(18)
        )
        async with AsyncExitStack() as resources:
            # Each resource is released (in reverse order) however far start-up got.
            engine = await open_database(
                settings.database_url, upgrade_schema=settings.upgrade_database
            )
            resources.push_async_callback(engine.dispose)
            sessions = session_factory(engine)
            channel = backplane or create_backplane(
                settings.backplane_url, capacity=BACKPLANE_BUFFER
            )
            await channel.connect()
            resources.push_async_callback(channel.disconnect)
            hub = Hub(channel)
            resources.push_async_callback(hub.close)
            metrics = Metrics()
            app.state.metrics = metrics
            hub.on_dropped = lambda _connection: metrics.dropped.inc()
            services_holder: list[Services] = []

            async def on_due(keys: list[str]) -> None:
                await services_holder[0].on_due(keys)

            the_clock = clock or await server_clock(sessions, settings.clock_speed)
            scheduler = Scheduler(the_clock, on_due)
            hub.shared.on_due = scheduler.set
            scheduler.observe_lateness = metrics.transition_lateness.observe
            context = Context(
                settings=settings,
                sessions=sessions,
                protocols=protocols or shipped_library(),
                clock=the_clock,
                hub=hub,
                schedule=scheduler.set,
                single_writer=engine.dialect.name == "sqlite",
            )
            services = Services(context)
            services_holder.append(services)
            app.state.services = services
            app.state.scheduler = scheduler

            async def shared_channel_lost() -> None:
                count = await _reload_deadlines(services, scheduler)
                log.warning("scheduler.reloaded", rooms=count, why="the shared channel was lost")
                await services.principals.recheck()

            hub.shared.on_gap = shared_channel_lost
            hub.shared.on_revoked = services.principals.revoked
            # Following the shared channel first, then reading the stored deadlines and
            # links: a deadline or revocation from another process in between is seen
            # one way or the other.
            await hub.shared.start()
            await _reload_deadlines(services, scheduler)
            await services.principals.preload()
            services.principals.start()
            resources.push_async_callback(services.principals.stop)
            services.sightings.start()
            resources.push_async_callback(services.sightings.stop)
            services.data.start()
            resources.push_async_callback(services.data.stop)
            scheduler.start()
            resources.push_async_callback(scheduler.stop)
            metrics.start()
            resources.push_async_callback(metrics.stop)
            if on_ready is not None:
                await on_ready(services)
            collection = CollectionPolicy(scheduler.seconds_to_next)
            app.state.gc = collection
            if settings.gc_policy:
                collection.start()
                resources.push_async_callback(collection.stop)
            app.state.ready = True
            try:
                yield
            finally:
                app.state.ready = False

    app = FastAPI(
        title="consult",
        summary="Real-time orchestrator for structured professional-learning protocols",
        version="0.1.0",
        lifespan=lifespan,
    )

    openapi.refine(app, lambda: (protocol.id for protocol in protocols or shipped_library()))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        details = [_name_the_tag(detail) for detail in error.errors()]
        first = details[0]["loc"] if details else ()
        message = "; ".join(f"{field_path(d['loc']) or 'body'}: {d['msg']}" for d in details)
        return JSONResponse(
            {
                "error": {
                    "code": "request.invalid",
                    "message": message,
                    "field": field_path(first) or None,
                },
                "detail": jsonable_encoder(details),
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        """Errors the framework raises (no such path, method not allowed, a body it
        cannot read) in the same error object as every other error."""
        headers = dict(error.headers or {})
        if error.status_code == 405:
            allowed = _allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
        code, message = {
            404: ("not_found", f"there is nothing at {request.url.path}"),
            405: (
                "method_not_allowed",
                f"{request.method} is not allowed on {request.url.path}; "
                f"allowed: {headers.get('Allow') or 'none'}",
            ),
            400: ("request.invalid", f"the request could not be read: {error.detail}"),
            413: ("request.too_large", str(error.detail)),
        }.get(error.status_code, ("http.error", str(error.detail)))
        return JSONResponse(
            {"error": {"code": code, "message": message, "field": None}},
            status_code=error.status_code,
            headers=headers,
        )

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, error: ServiceError) -> JSONResponse:
        retry = getattr(error, "retry_after_seconds", None)
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return JSONResponse({"error": error_body(error)}, status_code=error.status, headers=headers)

    @app.get("/healthz", tags=["ops"])
    async def healthz(request: Request) -> JSONResponse:
        """200 once the app has started and can serve; 503 before and while stopping.

        ``worker`` is the answering process's id (several workers share a port)."""
        ready = bool(getattr(request.app.state, "ready", False))
        return JSONResponse(
            {"ready": ready, "worker": os.getpid()}, status_code=200 if ready else 503
        )

    app.mount("/static", StaticFiles(directory=web_client_dir() / "static"), name="static")

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus metrics: connections, drops, loop lag, transition lateness."""
        registry = request.app.state.metrics.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/ops/stats", tags=["ops"], responses={401: ERROR_RESPONSES[401]})
    async def ops_stats(request: Request, _: AdminDep) -> JSONResponse:
        """Exact recent figures for benchmarks and operators (admin key)."""
        metrics: Metrics = request.app.state.metrics
        hub: Hub = request.app.state.services.context.hub
        return JSONResponse(
            {
                "loop_lag": metrics.lag_summary(),
                "dropped_clients": hub.dropped_total,
                "resyncs": hub.resyncs_total,
                "backplane_reader_restarts": hub.reader_restarts,
                "scheduler_fired": request.app.state.scheduler.fired,
                "full_collections": request.app.state.gc.full_collections,
                "last_full_collection_ms": round(request.app.state.gc.last_pause_ms, 3),
            }
        )

    app.state.throttle = Throttle(settings)
    app.add_middleware(
        BodyLimit,
        limit_for=lambda path: (
            settings.max_csv_bytes if path == CSV_IMPORT_PATH else settings.max_body_bytes
        ),
    )
    # Added last, so outermost: every answer gets the headers, a 413 included.
    app.add_middleware(SecurityHeaders)
    app.include_router(rest.router)
    app.router.routes.append(ws.ROUTE)
    app.include_router(pages.router)
    return app


def _name_the_tag(detail: dict[str, Any]) -> dict[str, Any]:
    """A body that is a union on a field (a link's ``role``, a command's ``action``) with
    that field missing or unknown: name the field, not the whole body."""
    if detail.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        tag = str((detail.get("ctx") or {}).get("discriminator", "")).strip("'\"")
        if tag:
            return {**detail, "loc": (*tuple(detail["loc"]), tag)}
    return detail


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route fully answers on this path (asked route by route)."""
    routes = request.app.router.routes
    return [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


class LiveChannelFirst:
    """The ASGI app to serve: ``/ws`` goes straight to the live channel.

    A websocket lives as long as a meeting; every middleware it passes
    through keeps a coroutine frame alive for that long. The live channel
    handles its own errors, so it skips the stack; everything else (HTTP,
    lifespan) goes to the FastAPI app unchanged, which also still routes
    ``/ws`` itself for anyone serving it directly.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == ws.ROUTE.path:
            scope["app"] = self.app
            await ws.live_channel(WebSocket(scope, receive, send))
        else:
            await self.app(scope, receive, send)


def app_from_environment() -> LiveChannelFirst:
    """The app of one worker of ``consult serve --workers N``: settings from CONSULT_*.

    Each worker is its own process (uvicorn's supervisor starts and restarts them),
    so it configures its own logs.
    """
    settings = Settings()
    logs.configure(settings.log_format)
    return LiveChannelFirst(create_app(settings))
