"""A supervised backplane subscription: it outlives every failure until it is cancelled.

Rules:
- A subscription that ends with an error (the backplane's connection was lost, a
  subscribe refused) is logged (``backplane.lost``) and made again after a jittered
  exponential backoff (``RESUBSCRIBE_FIRST_SECONDS`` doubling up to
  ``RESUBSCRIBE_MAX_SECONDS``); once back, ``backplane.recovered`` is logged and the
  owner's ``subscribed(recovered=True)`` runs, so it can repair what was missed.
- ``ready`` is set after the first attempt, whether it worked or not: nobody waits
  for a backplane that is down.
- A subscription that fell behind (``SubscriptionLagged``) calls ``lagged``; a
  message the owner cannot handle is logged (``envelope.malformed`` or
  ``envelope.failed``) and skipped; neither ends the reader.
- A subscription closed by the backplane itself (``disconnect``, the server is
  stopping) ends the reader quietly.
- Every log line carries the owner's ``facts`` (the event, or the channel).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from server.backplane import Backplane, Subscription, SubscriptionClosed, SubscriptionLagged
from server.hub.envelope import EnvelopeError
from server.logs import get_logger

log = get_logger(__name__)

RESUBSCRIBE_FIRST_SECONDS = 0.1
RESUBSCRIBE_MAX_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Reader:
    """What a supervised subscription does with its channel."""

    ready: asyncio.Event
    facts: dict[str, str]
    subscribed: Callable[[bool], Awaitable[None]]
    """Runs on every (re)subscription; True when it follows a loss."""
    lagged: Callable[[], Awaitable[None]]
    handle: Callable[[str], Awaitable[None]]
    restarted: Callable[[], None]
    """Told of every failed subscription (for counters)."""


async def follow(backplane: Backplane, channel: str, reader: Reader) -> None:
    """Keep one subscription to ``channel`` alive until cancelled or the backplane closes."""
    failures = 0
    lost_at: float | None = None
    while True:
        try:
            async with backplane.subscribe(channel) as subscription:
                reader.ready.set()
                recovered = lost_at is not None
                if lost_at is not None:
                    log.warning(
                        "backplane.recovered",
                        **reader.facts,
                        after_seconds=round(time.monotonic() - lost_at, 3),
                        attempts=failures,
                    )
                lost_at, failures = None, 0
                await reader.subscribed(recovered)
                await _consume(subscription, reader)
            log.info("hub.reader_closed", **reader.facts)
            return  # the backplane disconnected: the server is stopping
        except asyncio.CancelledError:
            raise
        except Exception as error:
            reader.ready.set()
            failures += 1
            reader.restarted()
            lost_at = lost_at if lost_at is not None else time.monotonic()
            backoff = RESUBSCRIBE_FIRST_SECONDS * 2 ** (failures - 1)
            delay = min(RESUBSCRIBE_MAX_SECONDS, backoff) * random.uniform(0.5, 1.0)
            log.warning(
                "backplane.lost",
                **reader.facts,
                error=repr(error),
                attempt=failures,
                retry_in_seconds=round(delay, 3),
            )
            await asyncio.sleep(delay)


async def _consume(subscription: Subscription, reader: Reader) -> None:
    while True:
        try:
            text = await subscription.get()
        except SubscriptionClosed:
            return
        except SubscriptionLagged as lag:
            log.warning("backplane.lagged", **reader.facts, dropped=lag.dropped)
            await reader.lagged()
            continue
        try:
            await reader.handle(text)
        except EnvelopeError as error:
            log.error("envelope.malformed", **reader.facts, error=str(error))
        except Exception:
            log.exception("envelope.failed", **reader.facts, envelope=text[:200])
