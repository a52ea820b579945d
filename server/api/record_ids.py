"""Record ids in paths: ``{team_id:record_id}`` matches only what ids look like.

Rules: every stored record's id is twelve lowercase hex digits
(``server.store.models.new_id``). Routes whose id sits where a fixed word also
does (``/api/teams/import`` beside ``/api/teams/{team_id}``) take the id through
this convertor, so the word is never read as an id: ``PATCH /api/teams/import``
is no route (405 names what is allowed), not "no team with id 'import'".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints
from starlette.convertors import StringConvertor, register_url_convertor

RECORD_ID_PATTERN = "[0-9a-f]{12}"


class RecordIdConvertor(StringConvertor):
    regex = RECORD_ID_PATTERN


register_url_convertor("record_id", RecordIdConvertor())

RecordId = Annotated[str, StringConstraints(pattern=f"^{RECORD_ID_PATTERN}$")]
"""A record id in a body (a team or room named by a setup edit or a format switch)."""

TeamId = Annotated[str, Path(pattern=f"^{RECORD_ID_PATTERN}$", examples=["3f9a1c2b4d5e"])]
RoomId = Annotated[str, Path(pattern=f"^{RECORD_ID_PATTERN}$", examples=["8b7c6d5e4f3a"])]
