"""Ordinary bad input never gets a 500, and every error has the documented shape.

Each case here once answered a server error or a body of another shape: a CSV cell
over the csv module's limit, a CSV with lone CR line ends, a NUL in a team name (on
PostgreSQL), a boolean where a number belongs, an unknown path or method, a body
that is not UTF-8.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from server.wire.schema import render, websocket_schema
from tests.fakes import FakeClock
from tests.live.harness import LiveServer, client, make_settings, running_server, set_up_event


def error_of(reply: httpx.Response) -> dict[str, Any]:
    body = reply.json()
    assert set(body["error"]) >= {"code", "message", "field"}, body
    error: dict[str, Any] = body["error"]
    return error


async def raw_request(
    server: LiveServer, path: str, token: str, *, length: int = 0, chunks: int = 0
) -> tuple[int, bytes, bytes]:
    """POST headers announcing ``length`` bytes (and send none), or ``chunks`` chunks of
    4 KiB without a length; returns the status, head and body of the answer."""
    address = urlparse(server.base_url)
    assert address.hostname is not None
    assert address.port is not None
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        framing = f"Content-Length: {length}" if not chunks else "Transfer-Encoding: chunked"
        writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: {address.hostname}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"{framing}\r\n\r\n"
            ).encode()
        )
        for _ in range(chunks):
            writer.write(b"1000\r\n" + b"z" * 4096 + b"\r\n")
        await writer.drain()
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            size = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            return status, head.lower(), await reader.readexactly(size)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def check_input_contract(server: LiveServer) -> None:
    setup = await set_up_event(server)
    async with server.http(setup.uber) as http:
        nowhere = await http.get("/api/nope")
        assert nowhere.status_code == 404
        assert error_of(nowhere)["code"] == "not_found"

        for method in ("PUT", "OPTIONS", "DELETE"):
            refused = await http.request(method, "/api/teams")
            assert refused.status_code == 405
            assert refused.headers["allow"] == "GET, POST"  # both routes of the path
            assert error_of(refused)["code"] == "method_not_allowed"

        unreadable = await http.post(
            "/api/teams", content=b"\xff\xfe{", headers={"content-type": "application/json"}
        )
        assert unreadable.status_code == 400
        assert error_of(unreadable)["code"] == "request.invalid"

        for body in ({"minimum_seconds": False}, {"expected_version": True}):
            boolean = await http.post("/api/event/fit-to-time", json=body)
            assert boolean.status_code == 422
            assert error_of(boolean)["field"] == next(iter(body))

        nul = await http.post("/api/teams", json={"name": "Team\u0000A"})
        assert nul.status_code == 422
        assert "NUL" in error_of(nul)["message"]
        nul_in_list = await http.post("/api/teams", json={"name": "B", "tags": ["ok", "x\u0000"]})
        assert nul_in_list.status_code == 422
        assert "tags[1]" in error_of(nul_in_list)["message"]

        csv_headers = {"content-type": "text/csv"}
        huge_cell = await http.post(
            "/api/teams/import",
            content=f"name,challenge\nA,{'x' * 131_073}\n".encode(),
            headers=csv_headers,
        )
        assert huge_cell.status_code == 422
        assert "field larger than field limit" in error_of(huge_cell)["message"]
        nul_cell = await http.post(
            "/api/teams/import", content=b"name\nTeam\x00C\n", headers=csv_headers
        )
        assert nul_cell.status_code == 422
        assert "NUL" in error_of(nul_cell)["message"]
        teams_before = len((await http.get("/api/teams")).json())
        lone_cr = await http.post(
            "/api/teams/import", content=b"name,challenge\rC,one\rD,two\r", headers=csv_headers
        )
        assert lone_cr.status_code == 200, lone_cr.text
        assert [team["name"] for team in lone_cr.json()["added"]] == ["C", "D"]
        assert len((await http.get("/api/teams")).json()) == teams_before + 2

        # Bodies are capped before they are read: 64 KiB of JSON, 2 MiB of CSV. A client
        # that announces a larger body is answered before it sends a byte of it.
        for path, length in (("/api/teams", 20 * 2**20), ("/api/teams/import", 20 * 2**20)):
            status, head, answer = await raw_request(server, path, setup.uber, length=length)
            assert status == 413
            assert b"x-content-type-options: nosniff" in head
            assert json.loads(answer)["error"]["code"] == "request.too_large"
        # A body without a length is counted as it comes, and refused past the cap.
        status, _, answer = await raw_request(server, "/api/teams", setup.uber, chunks=30)
        assert status == 413
        message = json.loads(answer)["error"]["message"]
        assert message == "the request body is larger than 65,536 bytes"
        assert len((await http.get("/api/teams")).json()) == teams_before + 2

    async with client(server, setup.members[0][0]) as member:
        await member.wait_type("snapshot")
        await member.send({"type": "clock.ping", "client_time": True, "request_id": "b"})
        error = await member.wait_type("error")
        assert error["field"] == "clock.ping.client_time"
        await member.send({"type": "help.request", "message": "a\u0000b", "request_id": "n"})
        error = await member.wait_type("error")
        assert "NUL" in error["message"]
        assert error["request_id"] == "n"


async def test_bad_input_answers_4xx_in_the_error_shape_on_sqlite(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        await check_input_contract(server)


async def test_bad_input_answers_4xx_in_the_error_shape_on_postgres(
    migrated_postgres_url: str,
) -> None:
    settings = make_settings(None, database_url=migrated_postgres_url)
    async with running_server(settings, FakeClock()) as server:
        await check_input_contract(server)


async def test_a_sqlite_write_lock_held_elsewhere_answers_503_with_retry_after(
    tmp_path: Path,
) -> None:
    """Another program holds SQLite's write lock: a command waits a bounded time, then is
    refused as busy (503, Retry-After), never a 500; once the lock goes, it works."""
    database = tmp_path / "busy.db"
    async with running_server(make_settings(database), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        other = sqlite3.connect(database, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock, held by another program
            async with server.http(setup.moderators[0]) as http:
                started = time.monotonic()
                busy = await http.post(
                    f"/api/rooms/{room_id}/commands",
                    json={"action": "start", "expected_version": 0},
                )
                waited = time.monotonic() - started
                assert busy.status_code == 503
                assert busy.headers["retry-after"] == "1"
                assert error_of(busy)["code"] == "busy"
                assert 1.5 < waited < 4.5  # the bounded wait, not an endless one
                async with client(server, setup.members[0][0]) as member:
                    await member.wait_type("snapshot")
                    await member.send(
                        {"type": "help.request", "message": "hello", "request_id": "h"}
                    )
                    error = await member.wait_for(lambda m: m.get("request_id") == "h")
                    assert error["code"] == "busy"
                other.execute("ROLLBACK")
                done = await http.post(
                    f"/api/rooms/{room_id}/commands",
                    json={"action": "start", "expected_version": 0},
                )
                assert done.status_code == 200
        finally:
            other.close()


async def test_every_operation_declares_every_status_and_the_websocket_schema_is_served(
    tmp_path: Path,
) -> None:
    """Every operation declares every status it can answer, in the error object; the
    websocket's messages are served as JSON Schema."""
    settings = make_settings(tmp_path / "o.db")
    async with running_server(settings, FakeClock()) as server, server.http() as http:
        spec = (await http.get("/openapi.json")).json()
        served = (await http.get("/api/ws/schema")).json()
    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
    ]
    assert len(operations) > 15
    for method, path, operation in operations:
        declared = set(operation["responses"])
        expected = {"400", "401", "403", "404", "409", "413", "422", "503"}
        assert expected <= declared, (method, path, sorted(declared))
        refusal = operation["responses"]["409"]["content"]["application/json"]
        assert refusal["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert served == websocket_schema()
    client_types = set(served["client_to_server"]["discriminator"]["mapping"])
    assert {"clock.ping", "room.command", "event.recall", "help.request"} <= client_types
    assert "resync" in served["server_to_client"]["discriminator"]["mapping"]


def test_the_published_websocket_schema_is_the_code_s() -> None:
    published = Path(__file__).resolve().parents[2] / "docs" / "ws-schema.json"
    assert published.read_text() == render(), (
        "docs/ws-schema.json differs from the code: "
        "python -m server.wire.schema > docs/ws-schema.json"
    )
