"""Reading teams from CSV (the setup page's import).

Rules: the first row is a header naming the columns (``name`` is required;
``organisation``, ``members``, ``challenge``, ``request``, ``stage`` and
``tags`` are optional; ``members`` and ``tags`` are separated by semicolons).
Every problem names its row and column, and a file with any problem imports
nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from server.errors import BadRequest

COLUMNS = ("name", "organisation", "members", "challenge", "request", "stage", "tags")
LIMITS = {"name": 120, "organisation": 200, "challenge": 5000, "request": 2000, "stage": 80}
COUNT_LIMITS = {"members": 50, "tags": 20}
MAX_ROWS = 500


@dataclass(frozen=True)
class TeamRecord:
    name: str
    organisation: str = ""
    members: list[str] = field(default_factory=list)
    challenge: str = ""
    request: str = ""
    stage: str = ""
    tags: list[str] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def parse_teams_csv(text: str) -> list[TeamRecord]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    if "name" not in header:
        raise BadRequest("the CSV needs a header row with a 'name' column", field="csv")
    unknown = [column for column in header if column and column not in COLUMNS]
    if unknown:
        raise BadRequest(
            f"unknown column(s) {', '.join(unknown)}; expected: {', '.join(COLUMNS)}", field="csv"
        )
    reader.fieldnames = header
    records: list[TeamRecord] = []
    problems: list[str] = []
    for row in reader:
        row_number = reader.line_num  # the file's line, blank lines included
        if None in row:
            problems.append(f"row {row_number}: more cells than header columns")
            continue
        values = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(values.values()):
            continue
        if not values.get("name"):
            problems.append(f"row {row_number}, column name: a team needs a name")
            continue
        for column, limit in LIMITS.items():
            if len(values.get(column, "")) > limit:
                problems.append(
                    f"row {row_number}, column {column}: longer than {limit} characters"
                )
        for column, limit in COUNT_LIMITS.items():
            if len(_split(values.get(column, ""))) > limit:
                problems.append(f"row {row_number}, column {column}: more than {limit} entries")
        records.append(
            TeamRecord(
                name=values["name"],
                organisation=values.get("organisation", ""),
                members=_split(values.get("members", "")),
                challenge=values.get("challenge", ""),
                request=values.get("request", ""),
                stage=values.get("stage", ""),
                tags=_split(values.get("tags", "")),
            )
        )
    if len(records) > MAX_ROWS:
        problems.append(f"at most {MAX_ROWS} teams per import, got {len(records)}")
    if problems:
        raise BadRequest("nothing imported: " + "; ".join(problems), field="csv")
    if not records:
        raise BadRequest("the CSV has no teams in it", field="csv")
    return records
