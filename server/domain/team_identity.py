"""When two teams are the same team: the same name in the same organisation.

Rules: names and organisations are compared without regard to case, accents
written the same way, or runs of spaces ("Northside  ISD" is "northside isd").
An event never holds two teams with one identity (adding, importing or renaming
into one is refused or becomes an update), and grouping never puts a team with
a copy of itself (a copy made before that rule existed).
"""

from __future__ import annotations

import unicodedata

from server.domain.records import Team


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def team_key(name: str, organisation: str) -> tuple[str, str]:
    return (_folded(name), _folded(organisation))


def identity(team: Team) -> tuple[str, str]:
    return team_key(team.name, team.organisation)


def describe(name: str, organisation: str) -> str:
    """'Northside ISD (Northside district)', or the bare name without an organisation."""
    return f"{name} ({organisation})" if organisation else name
