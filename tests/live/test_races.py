"""Two uber moderators pressing at once, in one process (SQLite): one change, one refusal.

200 tries of each race over the websocket and 200 over REST (see ``races``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server
from tests.live.race_kit import Transport
from tests.live.races import CASES, run_case

TRIES = 200


@pytest.mark.parametrize("transport", ["ws", "rest"])
@pytest.mark.parametrize("name", list(CASES))
async def test_one_of_two_simultaneous_presses_wins(
    name: str, transport: Transport, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "race.db"), clock) as server:
        await run_case(
            CASES[name],
            sessions=server.services.context.sessions,
            now=clock.now,
            base_urls=(server.base_url, server.base_url),
            transport=transport,
            tries=TRIES,
        )
