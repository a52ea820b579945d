"""REST limits per link and per address, and guessing links, with the limits set low."""

from __future__ import annotations

import json
from pathlib import Path

from websockets.asyncio.client import connect

from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server, set_up_event


async def test_a_link_making_too_many_calls_gets_429_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "t.db", rest_per_token="30/minute")
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http(setup.observers[0]) as observer, server.http(setup.uber) as uber:
            replies = [await observer.get("/api/me") for _ in range(32)]
            assert [reply.status_code for reply in replies] == [200] * 30 + [429] * 2
            refused = replies[-1]
            assert refused.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            # Another link from the same address is not held back by this one's limit.
            assert (await uber.get("/api/me")).status_code == 200


async def test_an_address_guessing_links_is_refused_before_any_lookup(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "g.db", invalid_tokens_per_address="4/minute")
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        statuses = []
        for guess in range(6):
            async with server.http(f"guess-{guess}") as http:
                statuses.append((await http.get("/api/me")).status_code)
        assert statuses == [401] * 4 + [429] * 2
        # From now on, until the window passes, every attempt from this address is refused
        # the same way, a right link included: the answer must not tell which guess is right.
        async with server.http(setup.uber) as http:
            blocked = await http.get("/api/me")
        assert blocked.status_code == 429
        assert "not valid" in blocked.json()["error"]["message"]
        async with server.http() as http:
            page = await http.get(f"/j/{setup.uber}")
            assert page.status_code == 429
            assert page.headers["retry-after"]
        url = server.base_url.replace("http://", "ws://") + f"/ws?token={setup.uber}"
        async with connect(url) as websocket:
            assert json.loads(await websocket.recv())["code"] == "rate_limited"
            await websocket.wait_closed()
            assert websocket.close_code == 1008
