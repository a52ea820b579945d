"""Plain records of what an event is made of: the event, its teams, rooms and help requests.

Rules: immutable values with no behaviour of their own, so that wire views
and decisions are built from them and never from table rows; the store turns
rows into these and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.domain.event import EventState
from server.domain.help import HelpState


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    event_id: str
    name: str
    organisation: str = ""
    members: tuple[str, ...] = ()
    challenge: str = ""
    request: str = ""
    stage: str = ""
    state: str = ""
    """The state, region or network the team belongs to (not part of who it is)."""
    tags: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Room:
    """A breakout room's setup (its run lives in a ``RunState``)."""

    id: str
    event_id: str
    position: int
    label: str
    video_room: str = ""
    moderator_name: str = ""
    team_ids: tuple[str, ...] = ()
    """Teams in seat order: seat 1 takes the protocol's first seating role in round 1.
    An empty seat between taken ones is ``""``. Teams beyond the protocol's seats keep
    the role ``fixed_roles`` gives them (``server.domain.seating``)."""
    video_url: str = ""
    fixed_roles: tuple[str, ...] = ()
    """Per seat (aligned with ``team_ids``): the role its team keeps in every round, or
    "" when the seat's role follows the protocol's rotation."""


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    protocol_id: str
    scheduled_start: float
    main_room_at: float
    """When everyone must be back in the main room."""
    created_at: float = 0.0
    state: EventState = field(default_factory=EventState)
    setup_version: int = 0
    """Grows with every change of the event's teams, rooms, seats or links."""


@dataclass(frozen=True, slots=True)
class HelpRequest:
    id: str
    event_id: str
    room_id: str
    round_index: int
    phase_id: str
    role: str
    requested_by: str = ""
    message: str = ""
    created_at: float = 0.0
    state: HelpState = field(default_factory=HelpState)


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """What one join token lets its holder do: an access role in an event (and for
    every role but uber, a room; for a member, a team)."""

    token_hash: str
    event_id: str
    role: str
    room_id: str | None = None
    team_id: str | None = None
    label: str = ""
    link_id: str = ""
    """The link's public name (the token itself is never stored)."""
    created_at: float = 0.0
    may_mint_uber: bool = False
    revoked_at: float | None = None
    revoked_by: str = ""
    replaced_by: str | None = None
    event_ends_at: float = float("inf")
    """When the link's event ends (its main-room time): links expire a grace after it."""
    last_seen_at: float | None = None
    online_until: float | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class Note:
    """What one owner (a team, or one moderator's or observer's link) wrote in one phase."""

    id: str
    event_id: str
    room_id: str
    owner: str
    team_id: str | None
    round_index: int
    phase_id: str
    role: str
    text: str
    shared: bool
    version: int
    updated_by: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Feedback:
    """One person's (one link's) final thoughts on one round of a room."""

    id: str
    event_id: str
    room_id: str
    link_id: str
    team_id: str | None
    round_index: int
    role: str
    most_useful: str
    more_useful: str
    version: int
    updated_by: str
    created_at: float
    updated_at: float
