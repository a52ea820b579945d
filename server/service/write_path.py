"""The one door for every change to stored state: load, decide, commit, publish.

A change is an *attempt*: a coroutine given a ``Tx`` (``server.service.tx``).
It reads what it needs through the Tx in one go (a room with its event and
teams, or an event with its rooms), lets the pure core decide, and records on
the Tx what to write and what to tell. It never commits, never publishes,
never opens a session.
Like h11's ``_process_event``, there is one door and nothing goes around it.

Rules:
- ``WritePath.run`` gives an attempt one session and one transaction. After
  the attempt it writes every compare-and-set (events first, then rooms in id
  order, then links, then help requests: one order everywhere, so two writers never wait
  on each other in a cycle) and the log rows of those changes, in the same
  transaction, and commits.
- A compare-and-set that finds the version moved (another writer got there
  first) rolls everything back, and the attempt runs again from a fresh read,
  where the pure core judges it afresh: against the version the person acted
  on, so a change made on stale information is refused, never half-applied.
  After ``ATTEMPTS`` lost races the change is refused as "changing too fast".
- A refusal rolls back: nothing stored changes and nothing is published.
- On SQLite, which has one writer at a time anyway, a process runs one
  attempt at a time (``single_writer``): attempts queue in order instead of
  meeting SQLite's busy lock, whose back-off sleeps would stall a moderator
  behind a large batch for tens of milliseconds.
- Only after the commit are the scheduler told the new deadlines and the
  messages published, in the order the attempt recorded them. Each message is
  built and serialized once, after the commit (so the transaction stays
  short), and a long run of messages yields to the loop between slices, so
  the first clients hear of a change while the rest are still being built.
- Every room version step is its own message and its own log row: a timer
  step that was due is recorded before the command that followed it.
- The one other kind of write is an observation (``observe``): when links
  were last seen. Nothing is decided on it, so it has no version, no log row
  and no message.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Busy, Conflict
from server.logs import get_logger
from server.service.context import Context
from server.service.setup_cache import SetupCache
from server.service.tx import LostRace, Tx

__all__ = ["WritePath"]

log = get_logger(__name__)

R = TypeVar("R")

ATTEMPTS = 8
PUBLISH_SLICE_SECONDS = 0.002
"""How long publishing may build and send messages before letting the loop deliver them."""
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization failure and deadlock: another writer got there first."""


def _sqlite_busy(error: DBAPIError) -> bool:
    """SQLite's lock held by another program for longer than the busy timeout."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def _retryable(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


class WritePath:
    def __init__(self, context: Context, setups: SetupCache) -> None:
        self.context = context
        self.setups = setups
        self.lost_races = 0
        self.followers: list[Callable[[Tx], Awaitable[None]]] = []
        """What follows from an attempt's changes, decided in the same transaction (the
        agenda following the rooms): each runs after the attempt, before the write."""
        self._one_at_a_time = asyncio.Lock() if context.single_writer else None

    async def run(self, attempt: Callable[[Tx], Awaitable[R]], *, what: str = "") -> R:
        """Run ``attempt`` to a commit (see the module rules), then publish; its result."""
        context = self.context
        for attempt_number in range(1, ATTEMPTS + 1):
            try:
                async with (
                    self._one_at_a_time or contextlib.nullcontext(),
                    context.sessions() as session,
                    session.begin(),
                ):
                    tx = Tx(session, context.clock.now(), context.protocols, self.setups)
                    result = await attempt(tx)
                    for follow in self.followers:
                        await follow(tx)
                    await tx.write()
            except LostRace as lost:
                self.lost_races += 1
                log.info("write.conflict", what=what, lost=str(lost), attempt=attempt_number)
                continue
            except DBAPIError as error:
                if _sqlite_busy(error):
                    log.warning("write.busy", what=what, error=str(error.orig))
                    raise Busy(
                        f"the database is busy with another program's write, so "
                        f"{what or 'this'} was not changed; try again in a moment"
                    ) from None
                if not _retryable(error):
                    raise
                self.lost_races += 1
                log.info(
                    "write.conflict",
                    what=what,
                    lost=type(error.orig).__name__,
                    attempt=attempt_number,
                )
                continue
            await self._after_commit(tx)
            return result
        log.warning("write.gave_up", what=what, attempts=ATTEMPTS)
        raise Conflict(f"{what or 'this'} is changing too fast: try again in a moment")

    async def observe(self, note: Callable[[AsyncSession], Awaitable[None]]) -> bool:
        """Write an observation nothing is decided on (when links were last seen): in
        the same queue as changes on SQLite, with no version, no log row and nothing
        published. False (logged) if the database would not take it now."""
        try:
            async with (
                self._one_at_a_time or contextlib.nullcontext(),
                self.context.sessions() as session,
                session.begin(),
            ):
                await note(session)
        except DBAPIError as error:
            log.warning("write.observation_skipped", error=str(error.orig))
            return False
        return True

    async def read(self, query: Callable[[AsyncSession], Awaitable[R]]) -> R:
        """A read with no change: one session, nothing written or published."""
        async with self.context.sessions() as session:
            return await query(session)

    async def _after_commit(self, tx: Tx) -> None:
        for key, due in tx.schedule:
            self.context.schedule(key, due)
        hub = self.context.hub
        for revocation in tx.revocations:
            await hub.shared.revoke(
                revocation.event_id,
                list(revocation.link_ids),
                revocation.reason,
                moved=revocation.moved,
            )
        started = time.perf_counter()
        for index, publication in enumerate(tx.publications):
            payload = publication.payload
            text = payload if isinstance(payload, str) else payload()
            await hub.publish(publication.event_id, text, publication.audience)
            # The first message goes out at once; then the hub delivers slice by slice.
            if index == 0 or time.perf_counter() - started > PUBLISH_SLICE_SECONDS:
                await asyncio.sleep(0)
                started = time.perf_counter()
        # The other processes learn the deadlines after the clients hear of the change:
        # this process has them already, and they are seconds away, not milliseconds.
        await hub.shared.share(tx.schedule)
