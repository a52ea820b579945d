"""Who is asking, and what they may do.

Rules:
- A caller is identified by a join token; the token's row says its access
  role (uber, moderator, member, observer), its event, and for the last three
  its room (and a member's team).
- Uber moderators see and command every room of their event; a moderator
  commands one room; members and observers only see their room. Members may
  ask for help; observers are read only.
- Only the admin key, or an uber link the admin allowed to, makes, revokes
  or rotates uber links; any uber moderator manages the other links. The
  admin key acts as an uber moderator of one named event (``Principal.admin``)
  where an operation accepts it.
- A link stops working when it is revoked, and when its event is over
  (``expires_at``: the event's main-room time plus the configured grace).
- A refusal says who the caller is and what the action needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from server.domain.records import AccessGrant
from server.errors import Forbidden
from server.wire.messages import AccessRole

ACCESS_ROLES = frozenset(get_args(AccessRole))


_ROLE_NAMES = {
    "uber": "an uber moderator",
    "moderator": "the room's moderator",
    "member": "a team member",
    "observer": "an observer",
}


def link_name(access: str) -> str:
    """'an observer link', 'a member link'."""
    article = "an" if access[:1] in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {access} link"


@dataclass(frozen=True, slots=True)
class Principal:
    access: AccessRole
    event_id: str
    room_id: str | None
    team_id: str | None
    label: str
    link_id: str = ""
    """The link this caller came with ("" for the admin key)."""
    may_mint_uber: bool = False
    expires_at: float = float("inf")
    is_admin: bool = False

    @classmethod
    def admin(cls, event_id: str) -> Principal:
        """The admin key, acting on one event."""
        return cls("uber", event_id, None, None, "admin", may_mint_uber=True, is_admin=True)

    @property
    def actor(self) -> str:
        if self.is_admin:
            return "admin"
        return f"{self.access}:{self.label}" if self.label else self.access

    @property
    def name(self) -> str:
        """How others see this caller in messages: the link's label, else its role."""
        return self.label or _ROLE_NAMES[self.access]

    @property
    def is_uber(self) -> bool:
        return self.access == "uber"

    def can_see_room(self, room_id: str) -> bool:
        return self.is_uber or self.room_id == room_id

    def require_room_control(self, room_id: str) -> None:
        if self.is_uber:
            return
        if self.access != "moderator":
            raise Forbidden(
                f"only the room's moderator or an uber moderator can run the room; "
                f"this is {link_name(self.access)}"
            )
        if self.room_id != room_id:
            raise Forbidden("a moderator link only controls its own room")

    def require_uber(self, what: str) -> None:
        if not self.is_uber:
            raise Forbidden(f"only an uber moderator can {what}; this is {link_name(self.access)}")

    def require_uber_links(self, what: str) -> None:
        """Uber links are made, revoked and rotated by the admin key, or an uber link the
        admin allowed to."""
        if not (self.is_admin or (self.is_uber and self.may_mint_uber)):
            this = "an uber link without that right" if self.is_uber else link_name(self.access)
            raise Forbidden(
                f"only the admin key, or an uber link allowed to make uber links, can {what}; "
                f"this is {this}"
            )

    def require_can_ask_for_help(self) -> None:
        if self.access not in ("member", "moderator") or self.room_id is None:
            raise Forbidden(
                f"help requests come from a room's moderator or team members; "
                f"this is {link_name(self.access)}"
            )


def principal_from_grant(row: AccessGrant, *, grace_seconds: float = 0.0) -> Principal | None:
    """The caller a stored token stands for; None for a role this server does not know.
    The link expires ``grace_seconds`` after its event's end."""
    if row.role not in ACCESS_ROLES:
        return None
    return Principal(
        access=row.role,  # type: ignore[arg-type]  # checked just above
        event_id=row.event_id,
        room_id=row.room_id,
        team_id=row.team_id,
        label=row.label,
        link_id=row.link_id,
        may_mint_uber=row.may_mint_uber,
        expires_at=row.event_ends_at + grace_seconds,
    )
