"""The live channel: one websocket per client at ``/ws?token=...``.

Rules:
- A page from another site is refused before the handshake (HTTP 403;
  ``server.api.origin``).
- The token is checked before anything is sent; a bad one gets an ``error``
  message and close code 4401. A link revoked or expired while connected gets
  the same: an ``error`` (``auth.revoked``, ``auth.expired``) saying why, then
  4401 (``server.service.principals``).
- The connection joins the hub before its snapshot is taken (nothing in
  between is missed), then gets the snapshot, then every change.
- Each frame is validated against the client union; a malformed or unknown
  frame gets an ``error`` naming what was wrong, and the connection stays
  open with nothing changed. A frame nested deeper than ``MAX_JSON_DEPTH`` is
  refused that way before any parser sees it.
- Replies go out the same way as broadcasts (straight to the socket when it
  is idle, else through the bounded queue), so a client that stops reading is
  dropped (close code 1013) without slowing anyone else.
- An idle connection holds one task, the one reading its frames.
- What a person says of themselves lasts as long as the connection and goes
  to the hub, not the database: a ``presence.name`` (any access may give
  one), and the clock offset and round trip a ``clock.ping`` may carry (the
  ping is answered with a ``clock.pong`` either way).
- A client sending faster than its budget gets ``rate_limited`` errors (the
  frames are not processed), and is closed with 1008 if it goes on
  (``server.api.flood``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.routing import WebSocketRoute

from server.access import Principal
from server.api.deps import client_address
from server.api.flood import FrameBudget, Verdict
from server.api.origin import origin_allowed
from server.api.throttle import Throttle, TooManyRequests
from server.errors import ServiceError
from server.fields import field_path
from server.hub import Connection
from server.logs import get_logger
from server.service import Services
from server.service.help import help_result
from server.wire.messages import (
    AskResult,
    BroadcastSend,
    ClientMessage,
    ClockPing,
    ClockPong,
    CommandOk,
    CommandResult,
    ConsentGive,
    ConsentResult,
    ErrorMessage,
    FeedbackResult,
    FeedbackSave,
    FitToTime,
    HelpClaim,
    HelpRequest,
    HelpResolve,
    NameResult,
    NoteResult,
    NoteSave,
    PauseAll,
    PresenceName,
    Recall,
    ResumeAll,
    RoomAnswer,
    RoomAsk,
    RoomCommand,
    RoomCommandResult,
    SnapshotRequest,
    StartAll,
    client_message_adapter,
)

log = get_logger(__name__)

UNAUTHORIZED_CODE = 4401
CLOSE_REASONS = {"auth.revoked": "link revoked", "auth.expired": "link expired"}
POLICY_CODE = 1008  # policy violation: a client that keeps flooding after being told


def validation_error(error: ValidationError, request_id: str | None) -> ErrorMessage:
    first = error.errors(include_url=False)[0]
    field = field_path(first["loc"]) or None
    problems = "; ".join(
        f"{field_path(detail['loc']) or 'message'}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )
    return ErrorMessage(
        code="message.invalid", message=problems, request_id=request_id, field=field
    )


MAX_JSON_DEPTH = 32
"""Client messages nest three levels at most; a deeper frame is refused before parsing."""


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``limit`` (strings skipped).

    Runs before any parser sees the frame, so a frame nested thousands of levels deep
    costs one linear scan, and only frames with that many brackets are scanned at all.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def request_id_of(text: str) -> str | None:
    with contextlib.suppress(ValueError, AttributeError, RecursionError):
        value = json.loads(text).get("request_id")
        return value if isinstance(value, str) else None
    return None


async def dispatch(
    services: Services, principal: Principal, message: ClientMessage, connection: Connection
) -> Any:
    """Run one client message from ``connection``; returns the reply message (or None)."""
    clock = services.context.clock
    hub = services.context.hub
    detail: CommandResult
    match message:
        case ClockPing():
            hub.describe(
                connection, offset_ms=message.offset_ms, round_trip_ms=message.round_trip_ms
            )
            return ClockPong(
                request_id=message.request_id,
                client_time=message.client_time,
                server_time=clock.now() * 1000,
                clock_rate=clock.rate,
            )
        case SnapshotRequest():
            snapshot = await services.snapshots.snapshot(principal)
            snapshot.request_id = message.request_id
            return snapshot
        case RoomCommand():
            view = await services.rooms.command(
                principal,
                room_id=message.room_id,
                action=message.action,
                expected_version=message.expected_version,
                seconds=message.seconds,
            )
            detail = RoomCommandResult(room_id=view.id, version=view.version)
        case StartAll():
            detail = await services.event.start_all(
                principal, expected_version=message.expected_version
            )
        case PauseAll():
            detail = await services.event.pause_all(
                principal, expected_version=message.expected_version
            )
        case ResumeAll():
            detail = await services.event.resume_all(
                principal, expected_version=message.expected_version
            )
        case Recall():
            detail = await services.event.recall(
                principal, seconds=message.seconds, expected_version=message.expected_version
            )
        case FitToTime():
            target = None if message.target is None else message.target / 1000
            detail = await services.event.fit_to_time(
                principal,
                target=target,
                minimum_seconds=message.minimum_seconds,
                expected_version=message.expected_version,
            )
        case BroadcastSend():
            detail = await services.event.broadcast(
                principal,
                text=message.text,
                room_id=message.room_id,
                role=message.role,
                expires_in_seconds=message.expires_in_seconds,
            )
        case HelpRequest():
            detail = help_result(
                await services.help.request(principal, message=message.message), message.type
            )
        case HelpClaim():
            help_view = await services.help.claim(
                principal, help_id=message.help_id, expected_version=message.expected_version
            )
            detail = help_result(help_view, message.type)
        case NoteSave():
            note = await services.notes.save(
                principal,
                round_index=message.round_index,
                phase_id=message.phase_id,
                text=message.text,
                shared=message.shared,
                expected_version=message.expected_version,
            )
            detail = NoteResult(note=note)
        case FeedbackSave():
            answers = await services.feedback.save(
                principal,
                round_index=message.round_index,
                most_useful=message.most_useful,
                more_useful=message.more_useful,
                expected_version=message.expected_version,
            )
            detail = FeedbackResult(feedback=answers)
        case RoomAsk():
            detail = AskResult(
                kind="room.ask", ask=await services.asks.ask(principal, kind=message.kind)
            )
        case RoomAnswer():
            answered = await services.asks.answer(
                principal,
                ask_id=message.ask_id,
                accept=message.accept,
                expected_version=message.expected_version,
            )
            detail = AskResult(kind="room.answer", ask=answered)
        case ConsentGive():
            at = await services.notes.consent(principal)
            detail = ConsentResult(consented_at=at * 1000)
        case PresenceName():
            hub.describe(connection, name=message.name)
            detail = NameResult(name=connection.name)
        case HelpResolve():
            help_view = await services.help.resolve(
                principal, help_id=message.help_id, expected_version=message.expected_version
            )
            detail = help_result(help_view, message.type)
    return CommandOk(request_id=message.request_id, detail=detail)


def error_message(error: ServiceError, request_id: str | None) -> ErrorMessage:
    return ErrorMessage(
        code=error.code,
        message=error.message,
        request_id=request_id,
        field=error.field,
        change=error.change,
        result=error.result,
    )


async def receive_loop(services: Services, connection: Connection, principal: Principal) -> None:
    websocket, hub = connection.websocket, services.context.hub
    settings = services.context.settings
    loop = asyncio.get_running_loop()
    budget = FrameBudget(
        burst=settings.ws_burst,
        per_second=settings.ws_frames_per_second,
        refusals=settings.ws_refusals_before_close,
        now=loop.time(),
    )
    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000))
        verdict = budget.judge(loop.time())
        if verdict is Verdict.CLOSE:
            log.warning(
                "connection.flooding",
                event_id=principal.event_id,
                room_id=principal.room_id,
                connection=connection.id,
            )
            await connection.close(POLICY_CODE, "too many messages: slow down")
            return
        if verdict is Verdict.REFUSE:
            wait = budget.retry_after_ms()
            refusal = ErrorMessage(
                code="rate_limited",
                message=f"too many messages: this one was not processed; send again in {wait} ms",
                request_id=request_id_of(frame.get("text") or ""),
                retry_after_ms=wait,
            )
            if not connection.offer(refusal.model_dump_json()):
                hub.evict(connection)
                return
            continue
        text = frame.get("text")
        if text is None:
            error = ErrorMessage(
                code="message.invalid",
                message="expected a text frame holding a JSON object, got a binary frame",
            )
            if not connection.offer(error.model_dump_json()):
                hub.evict(connection)
                return
            continue
        if nested_deeper_than(text, MAX_JSON_DEPTH):
            error = ErrorMessage(
                code="message.invalid",
                message=f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels",
            )
            if not connection.offer(error.model_dump_json()):
                hub.evict(connection)
                return
            continue
        request_id = request_id_of(text)
        try:
            message = client_message_adapter.validate_json(text)
            reply = await dispatch(services, principal, message, connection)
        except ValidationError as error:
            reply = validation_error(error, request_id)
        except ServiceError as error:
            reply = error_message(error, request_id)
        if reply is not None and not connection.offer(reply.model_dump_json()):
            hub.evict(connection)
            return


async def live_channel(websocket: WebSocket) -> None:
    """The ``/ws`` endpoint, mounted as a plain Starlette route (``ROUTE``): a
    connection lives as long as a meeting, so it skips FastAPI's per-request
    dependency machinery, which would be kept alive with it."""
    token = websocket.query_params.get("token")
    services: Services = websocket.app.state.services
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, services.context.settings):
        log.warning(
            "connection.refused",
            reason="origin not allowed",
            origin=origin[:200] if origin else None,
        )
        await websocket.close(code=1008)  # before the handshake: the client gets HTTP 403
        return
    await websocket.accept()
    throttle: Throttle = websocket.app.state.throttle
    address = client_address(websocket)
    try:
        throttle.guard(address)
        principal = await services.principals.authenticate(token)
    except ServiceError as error:
        refused = isinstance(error, TooManyRequests)
        if not refused:
            throttle.failed(address)
        await websocket.send_text(
            ErrorMessage(code=error.code, message=error.message).model_dump_json()
        )
        if refused:
            await websocket.close(code=POLICY_CODE, reason="too many attempts")
        else:
            reason = CLOSE_REASONS.get(error.code, "invalid token")
            await websocket.close(code=UNAUTHORIZED_CODE, reason=reason)
        return
    hub = services.context.hub
    connection = Connection(websocket, principal, services.context.settings.send_queue_size)
    await hub.join(connection)
    services.sightings.opened(principal.link_id)
    metrics = websocket.app.state.metrics
    metrics.connections.inc()
    try:
        # Serialized straight away: the snapshot object is not kept for the
        # connection's lifetime.
        await connection.send_now((await services.snapshots.snapshot(principal)).model_dump_json())
        connection.go_live()
        # This task reads the client's frames; writes happen as messages arrive
        # (see Connection.offer), so an idle connection holds no other task.
        await receive_loop(services, connection, principal)
    except WebSocketDisconnect:
        pass
    except Exception as failure:
        if not connection.dropped:  # an evicted connection's end is already logged
            log.warning(
                "connection.failed",
                event_id=principal.event_id,
                room_id=principal.room_id,
                connection=connection.id,
                error=repr(failure),
            )
    finally:
        await connection.stop()
        await hub.leave(connection)
        services.sightings.closed(principal.link_id)
        metrics.connections.dec()


ROUTE = WebSocketRoute("/ws", live_channel)
