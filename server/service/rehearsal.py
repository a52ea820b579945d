"""Where the server's clock stands: the wall clock, or a rehearsal clock that survives restarts.

Rules: a rehearsal (``--clock-speed`` other than 1) stores its anchor in the
database the first time it starts; every later start, of this process or
another sharing the database, continues from the stored anchor
(``server.clock.continue_from``), so a phase's remaining time is the same on
both sides of a restart and deadlines that passed while the server was down
are applied once, as with real time. The anchor is written with a
compare-and-set: processes starting together agree on one anchor. A database
that has been used for a rehearsal keeps rehearsal time even at speed 1 (its
deadlines are rehearsal instants); ``consult db reset-clock`` returns it to
the wall clock.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.clock import Anchor, Clock, clock_for_anchor, continue_from
from server.logs import get_logger
from server.store import crud

log = get_logger(__name__)


async def server_clock(sessions: async_sessionmaker[AsyncSession], speed: float) -> Clock:
    for _ in range(5):
        async with sessions() as session, session.begin():
            stored = await crud.get_clock_anchor(session)
            anchor = continue_from(stored, speed, time.time())
            if anchor is None or anchor == stored:
                break
            if await crud.put_clock_anchor(session, anchor=anchor, replacing=stored):
                break
    else:
        raise RuntimeError("could not agree on the rehearsal clock with the other processes")
    if anchor is not None and speed == 1.0:
        ahead = anchor.protocol_time(time.time()) - time.time()
        log.warning(
            "clock.rehearsal_anchor_kept",
            ahead_seconds=round(ahead),
            hint="this database was used for a rehearsal; consult db reset-clock returns it "
            "to the wall clock",
        )
    return clock_for_anchor(anchor)


async def reset(sessions: async_sessionmaker[AsyncSession]) -> Anchor | None:
    """Forget the rehearsal anchor; the next start runs on the wall clock. Returns the old one."""
    async with sessions() as session, session.begin():
        stored = await crud.get_clock_anchor(session)
        await crud.delete_clock_anchor(session)
    return stored
