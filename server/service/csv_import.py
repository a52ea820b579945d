"""Reading teams from CSV (the setup page's import).

Rules: the first row is a header naming the columns (``name`` is required;
the other ``TeamFields`` are optional; ``members`` and ``tags`` are separated
by semicolons). Each row is validated as a ``TeamCreate``, so the limits are
the REST API's own. Every problem names its row and column, and a file with
any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from server.errors import BadRequest
from server.wire.team import CSV_COLUMNS, LIST_FIELDS, TeamCreate

MAX_ROWS = 500


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _problem(row_number: int, error: ErrorDetails) -> str:
    column = str(error["loc"][0]) if error["loc"] else "name"
    context: dict[str, Any] = dict(error.get("ctx") or {})
    kind = error["type"]
    if kind == "string_too_short" and column == "name":
        text = "a team needs a name"
    elif kind == "string_too_long":
        text = f"longer than {context.get('max_length')} characters"
    elif kind == "too_long":
        text = f"more than {context.get('max_length')} entries"
    else:
        text = error["msg"]
    return f"row {row_number}, column {column}: {text}"


def parse_teams_csv(text: str) -> list[TeamCreate]:
    try:
        return _parse(text)
    except csv.Error as error:  # an unclosed quote, a cell over the csv module's limit...
        raise BadRequest(f"the CSV could not be read: {error}", field="csv") from None


def _parse(text: str) -> list[TeamCreate]:
    # newline="": the csv module itself reads \r\n, \n and a lone \r as line ends.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [column.strip().lower() for column in reader.fieldnames or []]
    if "name" not in header:
        raise BadRequest("the CSV needs a header row with a 'name' column", field="csv")
    unknown = [column for column in header if column and column not in CSV_COLUMNS]
    if unknown:
        raise BadRequest(
            f"unknown column(s) {', '.join(unknown)}; expected: {', '.join(CSV_COLUMNS)}",
            field="csv",
        )
    reader.fieldnames = header
    records: list[TeamCreate] = []
    problems: list[str] = []
    for row in reader:
        row_number = reader.line_num  # the file's line, blank lines included
        if None in row:
            problems.append(f"row {row_number}: more cells than header columns")
            continue
        values: dict[str, Any] = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(values.values()):
            continue
        for column in LIST_FIELDS:
            if column in values:
                values[column] = _split(values[column])
        try:
            records.append(TeamCreate.model_validate(values))
        except ValidationError as error:
            problems += [_problem(row_number, detail) for detail in error.errors()]
    if len(records) > MAX_ROWS:
        problems.append(f"at most {MAX_ROWS} teams per import, got {len(records)}")
    if problems:
        raise BadRequest("nothing imported: " + "; ".join(problems), field="csv")
    if not records:
        raise BadRequest("the CSV has no teams in it", field="csv")
    return records
