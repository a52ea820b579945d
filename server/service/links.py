"""Join links: made, listed, revoked and rotated.

Rules:
- Any uber moderator makes, lists, revokes and rotates the links of rooms
  (moderator, member, observer); uber links only the admin key, or an uber
  link the admin allowed to (``may_mint_uber``, which only the admin grants).
- A link is shown once, when it is made: only its hash is stored. Rotation
  revokes a link and makes a new one for the same person (role, room, team,
  label) in one change; the new URL is shown once.
- Revoking is a compare-and-set (live to revoked) written with its log row; two
  uber moderators revoking the same link at once give one revocation and one
  clear refusal. After the commit every process forgets the link and closes its
  live connections with the reason (``server.service.principals``).
- Nobody revokes or rotates the link they are using: "all links of a role"
  leaves the caller's own link alone and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal, link_name
from server.clock import Clock
from server.domain.records import AccessGrant, Room, Team
from server.errors import BadRequest, Conflict, Forbidden, NotFound
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.settings import Settings
from server.store import crud
from server.store.models import new_id
from server.wire.messages import AccessRole


@dataclass(frozen=True, slots=True)
class Link:
    """A link just made: the only time its URL exists."""

    role: AccessRole
    label: str
    url: str
    room_id: str | None = None
    team_id: str | None = None
    id: str = ""
    may_mint_uber: bool = False
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class LinkEntry:
    """A link as the links page lists it (never its URL)."""

    grant: AccessGrant
    room_label: str | None
    team_name: str | None
    expires_at: float
    connected: bool


@dataclass(frozen=True, slots=True)
class RoleRevocation:
    revoked: list[str]
    kept: list[str]
    """Links of the role left alone: the caller's own."""


def _room_label(rooms: Mapping[str, Room], room_id: str | None) -> str | None:
    room = rooms.get(room_id) if room_id is not None else None
    return None if room is None else room.label


def _team_name(teams: Mapping[str, Team], team_id: str | None) -> str | None:
    team = teams.get(team_id) if team_id is not None else None
    return None if team is None else team.name


def _revoked_by(grant: AccessGrant) -> str:
    return grant.revoked_by or "an uber moderator"


class LinkDesk:
    def __init__(self, settings: Settings, clock: Clock, writes: WritePath) -> None:
        self.settings = settings
        self.clock = clock
        self.writes = writes

    def url(self, token: str) -> str:
        return f"{self.settings.base_url}/j/{token}"

    # -- making ---------------------------------------------------------------------

    async def create(
        self,
        principal: Principal,
        *,
        role: AccessRole,
        room_id: str | None = None,
        team_id: str | None = None,
        label: str = "",
        may_mint_uber: bool = False,
    ) -> Link:
        principal.require_uber("make join links")
        if role == "uber":
            principal.require_uber_links("make uber links")
        if may_mint_uber and not principal.is_admin:
            raise Forbidden("only the admin key can let an uber link make uber links")
        if may_mint_uber and role != "uber":
            raise BadRequest("only an uber link can be allowed to make uber links", field="role")

        async def attempt(tx: Tx) -> Link:
            await self._check_target(tx, principal, role, room_id, team_id)
            if role == "moderator" and label and room_id is not None:
                await crud.set_moderator_name(tx.session, room_id=room_id, name=label)
                tx.setup_changed(principal.event_id)
            link = await self.issue(
                tx, principal.event_id, role, room_id, team_id, label, may_mint_uber
            )
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "setup.create_link",
                detail={"link_id": link.id, "role": role, "team_id": team_id, "label": label},
            )
            return link

        return await self.writes.run(attempt, what="the links")

    async def _check_target(
        self,
        tx: Tx,
        principal: Principal,
        role: AccessRole,
        room_id: str | None,
        team_id: str | None,
    ) -> None:
        if role == "uber":
            if room_id is not None or team_id is not None:
                raise BadRequest("an uber moderator link covers the whole event: no room or team")
            if await crud.get_event(tx.session, event_id=principal.event_id) is None:
                raise NotFound(f"no event with id {principal.event_id!r}")
            return
        if room_id is None:
            raise BadRequest(f"{link_name(role)} needs a room_id", field="room_id")
        loaded = await tx.load_room(room_id, event_id=principal.event_id)
        room = loaded.rooms[0].room
        if role == "member":
            if team_id is None:
                raise BadRequest(
                    "a member link needs the team_id of a team in that room", field="team_id"
                )
            if team_id not in room.team_ids:
                raise NotFound(f"no team with id {team_id!r} in that room", field="team_id")
        elif team_id is not None:
            raise BadRequest(f"{link_name(role)} takes no team_id", field="team_id")

    async def issue(
        self,
        tx: Tx,
        event_id: str,
        role: AccessRole,
        room_id: str | None,
        team_id: str | None,
        label: str,
        may_mint_uber: bool,
        replaces: str | None = None,
    ) -> Link:
        link_id = new_id()
        token = await crud.create_token(
            tx.session,
            event_id=event_id,
            role=role,
            room_id=room_id,
            team_id=team_id,
            label=label,
            now=tx.now,
            may_mint_uber=may_mint_uber,
            link_id=link_id,
        )
        return Link(
            role, label, self.url(token), room_id, team_id, link_id, may_mint_uber, replaces
        )

    # -- listing -----------------------------------------------------------------------

    async def listing(self, principal: Principal) -> list[LinkEntry]:
        principal.require_uber("list the event's links")
        grace = self.settings.link_grace_hours * 3600

        async def read(session: AsyncSession) -> list[LinkEntry]:
            event = await crud.get_event(session, event_id=principal.event_id)
            if event is None:
                raise NotFound(f"no event with id {principal.event_id!r}")
            links = await crud.list_links(session, event_id=principal.event_id)
            setup = await crud.load_setup(
                session, event_id=principal.event_id, version=event.setup_version
            )
            now = self.clock.now()
            return [
                LinkEntry(
                    grant=grant,
                    room_label=_room_label(setup.rooms, grant.room_id),
                    team_name=_team_name(setup.teams, grant.team_id),
                    expires_at=grant.event_ends_at + grace,
                    connected=not grant.revoked
                    and grant.online_until is not None
                    and grant.online_until > now,
                )
                for grant in links
            ]

        return await self.writes.read(read)

    # -- revoking and rotating ------------------------------------------------------------

    async def _live_link(self, tx: Tx, principal: Principal, link_id: str) -> AccessGrant:
        links = await crud.list_links(tx.session, event_id=principal.event_id)
        grant = next((link for link in links if link.link_id == link_id), None)
        if grant is None:
            raise NotFound(f"no link with id {link_id!r} in this event")
        if grant.link_id == principal.link_id:
            raise BadRequest(
                "this is the link you are using: revoke it from another uber link", field="link_id"
            )
        if grant.role == "uber":
            principal.require_uber_links("revoke or rotate uber links")
        if grant.revoked:
            raise Conflict(
                f"this link was already revoked by {_revoked_by(grant)}"
                + (f"; it was replaced by link {grant.replaced_by}" if grant.replaced_by else "")
            )
        return grant

    async def revoke(self, principal: Principal, *, link_id: str) -> AccessGrant:
        """Revoke one link; its holder's pages stop within a second."""
        principal.require_uber("revoke links")

        async def attempt(tx: Tx) -> AccessGrant:
            grant = await self._live_link(tx, principal, link_id)
            tx.revoke_links(
                principal.event_id,
                [link_id],
                actor=principal.actor,
                reason=f"this link was revoked by {principal.name}: "
                "ask an uber moderator for a new one",
            )
            tx.log(
                principal.event_id,
                grant.room_id,
                principal.actor,
                "links.revoke",
                detail={"link_id": link_id, "role": grant.role},
            )
            return grant

        return await self.writes.run(attempt, what="the link")

    async def rotate(self, principal: Principal, *, link_id: str) -> Link:
        """Revoke one link and make a new one for the same person; the new URL, once."""
        principal.require_uber("rotate links")

        async def attempt(tx: Tx) -> Link:
            grant = await self._live_link(tx, principal, link_id)
            return await self._replace(tx, principal, grant)

        return await self.writes.run(attempt, what="the link")

    async def _replace(self, tx: Tx, principal: Principal, grant: AccessGrant) -> Link:
        role: AccessRole = grant.role  # type: ignore[assignment]  # a stored, checked role
        link = await self.issue(
            tx,
            grant.event_id,
            role,
            grant.room_id,
            grant.team_id,
            grant.label,
            grant.may_mint_uber,
            replaces=grant.link_id,
        )
        await crud.set_replacement(tx.session, link_id=grant.link_id, replaced_by=link.id)
        tx.revoke_links(
            grant.event_id,
            [grant.link_id],
            actor=principal.actor,
            reason="this link was replaced by a new one: ask an uber moderator for it",
        )
        tx.log(
            grant.event_id,
            grant.room_id,
            principal.actor,
            "links.rotate",
            detail={"link_id": grant.link_id, "new_link_id": link.id, "role": grant.role},
        )
        return link

    async def _of_role(self, tx: Tx, principal: Principal, role: AccessRole) -> list[AccessGrant]:
        if role == "uber":
            principal.require_uber_links("revoke or rotate uber links")
        links = await crud.list_links(tx.session, event_id=principal.event_id)
        return [link for link in links if link.role == role and not link.revoked]

    async def revoke_role(self, principal: Principal, *, role: AccessRole) -> RoleRevocation:
        """Revoke every live link of a role (but the caller's own)."""
        principal.require_uber("revoke links")

        async def attempt(tx: Tx) -> RoleRevocation:
            live = await self._of_role(tx, principal, role)
            revoked = [link.link_id for link in live if link.link_id != principal.link_id]
            kept = [link.link_id for link in live if link.link_id == principal.link_id]
            tx.revoke_links(
                principal.event_id,
                revoked,
                actor=principal.actor,
                reason=f"every {role} link was revoked by {principal.name}: "
                "ask an uber moderator for a new one",
            )
            tx.log(
                principal.event_id,
                None,
                principal.actor,
                "links.revoke_role",
                detail={"role": role, "link_ids": revoked},
            )
            return RoleRevocation(revoked, kept)

        return await self.writes.run(attempt, what="the links")

    async def rotate_role(self, principal: Principal, *, role: AccessRole) -> list[Link]:
        """Replace every live link of a role (but the caller's own); the new URLs, once."""
        principal.require_uber("rotate links")

        async def attempt(tx: Tx) -> list[Link]:
            live = await self._of_role(tx, principal, role)
            return [
                await self._replace(tx, principal, grant)
                for grant in live
                if grant.link_id != principal.link_id
            ]

        return await self.writes.run(attempt, what="the links")
