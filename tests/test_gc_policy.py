"""The collector pauses the server only at quiet moments (``server.gc_policy``)."""

from __future__ import annotations

import asyncio
import gc

import pytest

from server import gc_policy
from server.gc_policy import CollectionPolicy


async def test_start_up_objects_are_frozen_and_full_collections_wait_for_a_quiet_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc_policy, "FULL_EVERY", 0.01)
    monkeypatch.setattr(gc_policy, "QUIET_SECONDS", 0.05)
    next_deadline: list[float | None] = [0.01]  # a deadline is imminent
    policy = CollectionPolicy(lambda: next_deadline[0])
    before = gc.get_threshold()
    policy.start()
    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[2] >= gc_policy.NEVER  # never automatic
        await asyncio.sleep(0.1)
        assert policy.full_collections == 0  # not while a deadline is near
        next_deadline[0] = None  # nothing scheduled: quiet
        for _ in range(100):
            if policy.full_collections:
                break
            await asyncio.sleep(0.01)
        assert policy.full_collections >= 1
        assert policy.last_pause_ms > 0
    finally:
        await policy.stop()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
