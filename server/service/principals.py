"""Who a join token stands for, remembered, and forgotten the moment a link is revoked.

Rules:
- A token's principal is read once and remembered, so a connect storm does not
  become a database storm; every live link is read at start.
- A revoked link is refused ("revoked", with who revoked it and when), and so is
  a link whose event is over (``expires_at``: the event's main-room time plus
  ``link_grace_hours``); both differently from a link that never existed.
- A revocation reaches every process through the shared channel within a moment:
  each forgets the links and closes their live connections with a notice and
  close code 4401 (``revoked``). A link whose team moved to another room is
  forgotten the same way and its connections closed with 4409: the page
  reconnects at once and is shown its new room. If that channel was lost, ``recheck`` forgets
  everything remembered and closes whatever was revoked meanwhile; and every
  ``WATCH_SECONDS`` each process also reads the links revoked lately, so a
  revocation whose message was lost still arrives. The same watch closes the
  connections of links that expired.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection

from server.access import Principal, principal_from_grant
from server.domain.records import AccessGrant
from server.errors import Unauthorized
from server.logs import get_logger
from server.service.context import Context
from server.store import crud
from server.wire.messages import ErrorMessage

log = get_logger(__name__)

PRINCIPAL_CACHE_SIZE = 100_000
WATCH_SECONDS = 5.0
"""How often each process reads the links revoked lately and closes expired ones."""
WATCH_OVERLAP_SECONDS = 60.0
"""Each read of recent revocations reaches this far before the previous one (clock skew)."""
ENDED_CODE = 4401
MOVED_CODE = 4409
"""Close code telling a page its link now leads to another room: reconnect at once."""


class LinkRevoked(Unauthorized):
    code = "auth.revoked"


class LinkExpired(Unauthorized):
    code = "auth.expired"


def revoked_message(grant: AccessGrant) -> str:
    by = grant.revoked_by.partition(":")[2] or grant.revoked_by or "an uber moderator"
    return f"this link was revoked by {by}: ask an uber moderator for a new one"


EXPIRED_MESSAGE = "this link has expired: its event is over"


def notice(code: str, message: str) -> str:
    return ErrorMessage(code=code, message=message).model_dump_json()


class Principals:
    def __init__(self, context: Context) -> None:
        self.context = context
        self._grace = context.settings.link_grace_hours * 3600
        self._by_hash: dict[str, Principal] = {}
        self._hash_of_link: dict[str, str] = {}
        self._watch: asyncio.Task[None] | None = None
        self._watched_to: float | None = None

    def _remember(self, token_hash: str, principal: Principal) -> None:
        if len(self._by_hash) >= PRINCIPAL_CACHE_SIZE:
            self._by_hash.clear()
            self._hash_of_link.clear()
        self._by_hash[token_hash] = principal
        self._hash_of_link[principal.link_id] = token_hash

    async def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise Unauthorized("a join token is needed: open the link you were given")
        token_hash = crud.hash_token(token)
        known = self._by_hash.get(token_hash)
        if known is None:
            async with self.context.sessions() as session:
                row = await crud.resolve_token(session, token=token)
            if row is None:
                raise Unauthorized(
                    "this join link is not valid: ask an uber moderator for a new one"
                )
            if row.revoked:
                raise LinkRevoked(revoked_message(row))
            known = principal_from_grant(row, grace_seconds=self._grace)
            if known is None:
                raise Unauthorized(f"this join link has an unknown role {row.role!r}")
            self._remember(token_hash, known)
        if known.expires_at <= self.context.clock.now():
            raise LinkExpired(EXPIRED_MESSAGE)
        return known

    async def preload(self) -> int:
        """Read every live link once (at start), so connecting needs no query."""
        async with self.context.sessions() as session:
            rows = await crud.live_grants(session)
        for row in rows:
            if (principal := principal_from_grant(row, grace_seconds=self._grace)) is not None:
                self._remember(row.token_hash, principal)
        return len(rows)

    def forget(self, link_ids: Collection[str]) -> None:
        for link_id in link_ids:
            if (token_hash := self._hash_of_link.pop(link_id, None)) is not None:
                self._by_hash.pop(token_hash, None)

    async def revoked(
        self, event_id: str, link_ids: frozenset[str], reason: str, moved: bool = False
    ) -> None:
        """Links were revoked (here or in another process): forget them, close them.
        ``moved``: they still work but lead to another room; their pages reconnect."""
        self.forget(link_ids)
        if moved:
            closed = self.context.hub.end_where(
                event_id,
                lambda member: member.link_id in link_ids,
                code=MOVED_CODE,
                reason="room changed",
                notice=None,
            )
            log.info("links.moved", event_id=event_id, links=len(link_ids), closed=closed)
            return
        closed = self.context.hub.end_where(
            event_id,
            lambda member: member.link_id in link_ids,
            code=ENDED_CODE,
            reason="link revoked",
            notice=notice(LinkRevoked.code, reason),
        )
        log.info("links.revoked", event_id=event_id, links=len(link_ids), closed=closed)

    async def recheck(self) -> None:
        """The shared channel was lost: nothing remembered is trusted; close what was
        revoked meanwhile."""
        self._by_hash.clear()
        self._hash_of_link.clear()
        await self.catch_up(since=None)

    async def catch_up(self, since: float | None = None) -> None:
        """Forget and close every link revoked since ``since`` (None: ever) that this
        process still remembers or has connections of."""
        async with self.context.sessions() as session:
            revoked = await crud.revoked_since(session, since=since)
        by_event: dict[str, set[str]] = {}
        for event_id, link_id in revoked:
            by_event.setdefault(event_id, set()).add(link_id)
        for event_id, link_ids in by_event.items():
            stale = [link for link in link_ids if link in self._hash_of_link]
            open_here = any(
                connection.member.link_id in link_ids
                for connection in self.context.hub.connections(event_id)
                if not connection.dropped
            )
            if stale or open_here:
                await self.revoked(
                    event_id, frozenset(link_ids), "this link was revoked: ask for a new one"
                )

    def end_expired(self) -> int:
        now = self.context.clock.now()
        return self.context.hub.end_where(
            None,
            lambda member: member.expires_at <= now,
            code=ENDED_CODE,
            reason="link expired",
            notice=notice(LinkExpired.code, EXPIRED_MESSAGE),
        )

    # -- the watch -----------------------------------------------------------------

    def start(self) -> None:
        self._watched_to = self.context.clock.now()
        self._watch = asyncio.create_task(self._watching(), name="links-watch")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None

    async def _watching(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                now = self.context.clock.now()
                since = (self._watched_to or now) - WATCH_OVERLAP_SECONDS * self.context.clock.rate
                await self.catch_up(since=since)
                self._watched_to = now
                self.end_expired()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("links.watch_failed")
