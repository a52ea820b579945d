"""The envelope: what one backplane publish carries between processes. Pure, no I/O.

An envelope is one ``str``: a kind letter, a header line, a newline, a body.

- ``m`` a message for clients. Header: the audience as JSON. Body: the
  payload text, forwarded to clients byte for byte.
- ``p`` the people connected to one room through one process. Header JSON
  ``{"room", "process"}``; body: a JSON list of people, each a ``PersonView``
  as JSON (role, label, team, given name, clock quality). A process reading
  one fills in what an older process left out with the view's defaults.
- ``h`` a process's heartbeat: header JSON ``{"process", "gone"}``. A process
  whose heartbeats stop is forgotten (its people leave presence); ``gone``
  says it is shutting down, so it is forgotten at once.
- ``q`` a process (re)subscribed and asks every process to share its presence.
- ``r`` a process could not publish some message: every process tells its
  clients of the event to resync.
- ``s`` (on the schedule channel, which every process follows) the next
  deadlines of one committed change set: header JSON ``{"process"}`` (the
  process that made it, which has them already); body, a JSON list of ``[key, due]``
  (a scheduler key such as ``room:ID`` or ``event:ID``, and an instant or
  null). Every process's scheduler learns them, so any process can apply a
  room's timer or end a recall if the one that set it goes away.
- ``x`` (on the same shared channel) links of an event were revoked: header
  JSON ``{"process", "event"}``; body JSON ``{"links": [ids], "reason"}``.
  Every process forgets them and closes their live connections. With
  ``"moved": true`` in the body the links still work but lead to another room
  (a setup edit moved their team): their connections are closed so that they
  reconnect to it.

Rules: ``Audience`` headers are encoded once per audience and parsed once per
distinct header (both cached); a malformed envelope raises ``EnvelopeError``
naming what is wrong, never anything else, so a reader can skip it and go on.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Protocol


class Member(Protocol):
    """What the fan-out needs to know of a connected person (an ``access.Principal``)."""

    @property
    def event_id(self) -> str: ...
    @property
    def room_id(self) -> str | None: ...
    @property
    def access(self) -> str: ...
    @property
    def team_id(self) -> str | None: ...
    @property
    def label(self) -> str: ...
    @property
    def link_id(self) -> str: ...
    @property
    def expires_at(self) -> float: ...


class EnvelopeError(ValueError):
    """A backplane message that is not a well-formed envelope."""


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a message is for.

    ``room_id`` limits it to that room's connections (and uber moderators, who
    see every room). Within that, if ``access`` or ``team_ids`` is given, only
    connections with one of those access roles or from one of those teams get
    it; if neither is given, everyone does.
    """

    room_id: str | None = None
    access: frozenset[str] = frozenset()
    team_ids: frozenset[str] = frozenset()

    def header(self) -> str:
        return _header(self)

    @classmethod
    def parse(cls, header: str) -> Audience:
        return _parse(header)

    @property
    def filtered(self) -> bool:
        """Whether connections of the room (or event) need checking one by one."""
        return bool(self.access or self.team_ids)

    def selects(self, member: Member) -> bool:
        """The access/team filter; which room is the registry's business."""
        return member.access in self.access or member.team_id in self.team_ids


EVERYONE = Audience()
"""Every connection of the event."""


@functools.lru_cache(maxsize=4096)
def _header(audience: Audience) -> str:
    """Encoded once per audience: a start of a thousand rooms reuses a thousand headers."""
    return json.dumps(
        {"r": audience.room_id, "a": sorted(audience.access), "t": sorted(audience.team_ids)},
        separators=(",", ":"),
    )


@functools.lru_cache(maxsize=4096)
def _parse(header: str) -> Audience:
    try:
        data = json.loads(header)
        return Audience(data["r"], frozenset(data["a"]), frozenset(data["t"]))
    except (ValueError, KeyError, TypeError) as error:
        raise EnvelopeError(f"bad audience header {header[:80]!r}: {error}") from error


PersonData = dict[str, str | float | None]
"""One person as a ``p`` envelope carries them: a ``PersonView`` dumped to JSON values."""

Due = tuple[str, float | None]
"""A scheduler key and its next deadline (None: nothing due)."""


@dataclass(frozen=True, slots=True)
class ForClients:
    audience: Audience
    payload: str


@dataclass(frozen=True, slots=True)
class Schedule:
    process: str
    entries: list[Due]


@dataclass(frozen=True, slots=True)
class PresencePart:
    room_id: str
    process: str
    people: list[PersonData]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    process: str
    gone: bool


@dataclass(frozen=True, slots=True)
class PresenceQuery:
    process: str


@dataclass(frozen=True, slots=True)
class ResyncAll:
    process: str


@dataclass(frozen=True, slots=True)
class LinksRevoked:
    process: str
    event_id: str
    link_ids: frozenset[str]
    reason: str
    moved: bool = False
    """The links were not revoked: their holders' room changed (they reconnect to it)."""


Envelope = (
    ForClients | PresencePart | Heartbeat | PresenceQuery | ResyncAll | Schedule | LinksRevoked
)


def for_clients(payload: str, audience: Audience) -> str:
    return f"m{audience.header()}\n{payload}"


def schedule(process: str, entries: list[Due]) -> str:
    return f"s{json.dumps({'process': process})}\n{json.dumps(entries, separators=(',', ':'))}"


def links_revoked(
    process: str, event_id: str, link_ids: list[str], reason: str, *, moved: bool = False
) -> str:
    header = json.dumps({"process": process, "event": event_id})
    body: dict[str, object] = {"links": sorted(link_ids), "reason": reason}
    if moved:
        body["moved"] = True
    return f"x{header}\n{json.dumps(body)}"


def presence_part(room_id: str, process: str, people: list[PersonData]) -> str:
    header = json.dumps({"room": room_id, "process": process})
    return f"p{header}\n{json.dumps(people)}"


def heartbeat(process: str, *, gone: bool = False) -> str:
    return f"h{json.dumps({'process': process, 'gone': gone})}\n"


def presence_query(process: str) -> str:
    return f"q{json.dumps({'process': process})}\n"


def resync_all(process: str) -> str:
    return f"r{json.dumps({'process': process})}\n"


def decode(text: str) -> Envelope:
    """Read one envelope; ``EnvelopeError`` if it is not one."""
    kind, rest = text[:1], text[1:]
    header, newline, body = rest.partition("\n")
    if not newline:
        raise EnvelopeError(f"envelope without a header line: {text[:80]!r}")
    if kind == "m":
        return ForClients(Audience.parse(header), body)
    try:
        meta = json.loads(header)
        if kind == "p":
            people = json.loads(body)
            if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
                raise TypeError("people must be a list of objects")
            return PresencePart(str(meta["room"]), str(meta["process"]), people)
        if kind == "h":
            return Heartbeat(str(meta["process"]), bool(meta.get("gone", False)))
        if kind == "q":
            return PresenceQuery(str(meta["process"]))
        if kind == "r":
            return ResyncAll(str(meta["process"]))
        if kind == "s":
            return Schedule(str(meta["process"]), [_due(entry) for entry in json.loads(body)])
        if kind == "x":
            revoked = json.loads(body)
            links = revoked["links"]
            if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
                raise TypeError("links must be a list of ids")
            return LinksRevoked(
                str(meta["process"]),
                str(meta["event"]),
                frozenset(links),
                str(revoked["reason"]),
                bool(revoked.get("moved", False)),
            )
    except (ValueError, KeyError, TypeError) as error:
        raise EnvelopeError(f"bad {kind!r} envelope {text[:80]!r}: {error}") from error
    raise EnvelopeError(f"unknown envelope kind {kind!r}")


def _due(entry: object) -> Due:
    if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
        raise TypeError(f"a schedule entry is [key, due]; got {entry!r}")
    key, due = entry
    if due is not None and (isinstance(due, bool) or not isinstance(due, int | float)):
        raise TypeError(f"a deadline is a number or null; got {due!r}")
    return (key, None if due is None else float(due))
