"""The Team model family: one set of fields and limits for the table, REST input and
output, and CSV rows (after the FastAPI full-stack template's Base/Create/Public models).

Rules: every limit is stated once, here; the table (``server.store.models.TeamRow``)
inherits these fields, REST bodies and replies are ``TeamCreate`` and ``TeamOut``, and
each CSV row is validated as a ``TeamCreate``. The column types (``sa_type``) keep the
table's columns as they have always been: text without a length, JSON lists.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints, model_validator
from sqlalchemy import JSON, Text
from sqlmodel import AutoString, Field, SQLModel

from server.fields import refuse_nul

Email = Annotated[
    str,
    StringConstraints(
        max_length=254, pattern=r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
    ),
]
"""An e-mail address as the video platform takes it: an ASCII local part, @, a dotted
domain. Spelled with explicit character ranges, so every regular-expression dialect
(the server's, a client's, a contract test's) reads it the same way."""


class TeamFields(SQLModel):
    name: str = Field(min_length=1, max_length=120, sa_type=AutoString)
    organisation: str = Field("", max_length=200, sa_type=AutoString)
    members: list[str] = Field(default_factory=list, max_length=50, sa_type=JSON)
    challenge: str = Field(
        "", max_length=5000, sa_type=Text, description="The implementation challenge"
    )
    request: str = Field("", max_length=2000, sa_type=Text, description="The request for feedback")
    stage: str = Field("", max_length=80, sa_type=AutoString, description="Stage of implementation")
    state: str = Field(
        "",
        max_length=200,
        sa_type=AutoString,
        # Existing rows got "" when the column was added (migration 0007).
        sa_column_kwargs={"server_default": ""},
        description="The state, region or network the team belongs to",
    )
    tags: list[str] = Field(default_factory=list, max_length=20, sa_type=JSON)
    emails: list[Email] = Field(
        default_factory=list,
        max_length=50,
        sa_type=JSON,
        description="Members' e-mail addresses, for the video platform's room assignment",
    )


class TeamCreate(TeamFields):
    """A team as a client sends it (REST body, CSV row); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    _no_nul = model_validator(mode="before")(staticmethod(refuse_nul))


class TeamOut(TeamFields):
    id: str


LIST_FIELDS = ("members", "tags", "emails")
"""Fields holding lists; in CSV they are written as one cell, separated by semicolons."""
CSV_COLUMNS = tuple(TeamFields.model_fields)
