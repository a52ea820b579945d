"""The REST API against its own OpenAPI document, by schemathesis: every operation
with generated valid and invalid requests, every check (not only "no 5xx": status
codes, content types, headers and bodies as documented, invalid data refused,
valid data accepted, auth not ignored), then the stateful run that follows the
document's links (a snapshot's rooms feed room commands; inferred ones too).

Bounded here (``CONSULT_FUZZ_EXAMPLES``, default 20 per operation; 6 stateful
steps), with the same examples every run; ``make fuzz`` runs many more, drawn
afresh each time (``CONSULT_FUZZ_RANDOM=1``).

The app runs in process (ASGI) on a SQLite file: schemathesis ends the app's
lifespan after each test item and starts it again with the next request, and
builds some cases (with their auth) while collecting, so the event, its rooms and
its uber link exist from import on and survive restarts.

What no schema can state is stated here, narrowly: a positive (schema-valid)
event keeps its main-room time after its start, a grouping weighs something
(its weights are not all zero) (``filter_case``), and a
schema-valid CSV import is a CSV with a name column (``map_case``). Text never
holds NUL (``allow-x00 = false``): the API refuses it on purpose.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

from server.domain.forms import SCALE_POINTS
from server.forms import shipped_forms
from server.main import create_app
from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, make_settings, token_of

EXAMPLES = int(os.environ.get("CONSULT_FUZZ_EXAMPLES", "20"))
STATEFUL_STEPS = int(os.environ.get("CONSULT_FUZZ_STEPS", "6"))
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # make test runs the same examples every time (a failure is never luck);
    # make fuzz draws new ones each run.
    derandomize=os.environ.get("CONSULT_FUZZ_RANDOM") != "1",
)

FORMS = shipped_forms()
CLOCK = FakeClock()
DATABASE = Path(tempfile.mkdtemp(prefix="consult-contract-")) / "contract.db"
APP = create_app(make_settings(DATABASE), clock=CLOCK)
CONFIG = schemathesis.Config.from_dict({"generation": {"allow-x00": False}})
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def _event_with_rooms(rooms: int = 2) -> tuple[str, str]:
    """An event with paired rooms (whose ids the snapshot's links hand on); its uber link."""
    with asgi.get_client(cast(Any, APP)) as client:  # any ASGI app; typed narrowly there
        created = client.post(
            "/api/events",
            headers={"X-Admin-Key": ADMIN_KEY},
            json={
                "title": "Contract",
                "scheduled_start": _iso(CLOCK.now()),
                "main_room_at": _iso(CLOCK.now() + 90 * 60),
            },
        )
        created.raise_for_status()
        event = created.json()
        uber = token_of(event["uber_link"]["url"])
        auth = {"Authorization": f"Bearer {uber}"}
        for room in range(rooms):
            teams = [
                client.post("/api/teams", headers=auth, json={"name": f"Team {room}{seat}"})
                for seat in "AB"
            ]
            made = client.post(
                "/api/rooms", headers=auth, json={"team_ids": [t.json()["id"] for t in teams]}
            )
            made.raise_for_status()
    return event["id"], uber


EVENT_ID, UBER = _event_with_rooms()


@schema.auth()
class JoinToken:
    """Every case carries the event's uber link; the admin's operations the admin key."""

    def get(self, case: Any, context: Any) -> str:
        return UBER

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
        if case.operation.path in ("/api/events", "/ops/stats"):
            case.headers["X-Admin-Key"] = ADMIN_KEY


GROUPING_WEIGHTS = {"text": 0.6, "tags": 0.25, "stage": 0.15}
"""The grouping's default weights (a body may give some of them)."""


def _positive(case: Any) -> bool:
    return case.meta is not None and str(case.meta.generation.mode) == "positive"


@schema.hook
def filter_case(context: Any, case: Any) -> bool:
    """A schema-valid event that ends before it starts is no valid event."""
    if _positive(case) and case.operation.label == "POST /api/events":
        body = case.body if isinstance(case.body, dict) else {}
        start, end = body.get("scheduled_start"), body.get("main_room_at")
        if isinstance(start, str) and isinstance(end, str):
            try:
                return datetime.fromisoformat(end) > datetime.fromisoformat(start)
            except ValueError:
                return True
    if _positive(case) and case.operation.label in (
        "POST /api/rooms/group/preview",
        "POST /api/rooms/group",
    ):
        # Weights that are all zero weigh nothing: no schema states "not all zero".
        weights = case.body.get("weights") if isinstance(case.body, dict) else None
        if isinstance(weights, dict):
            given = {**GROUPING_WEIGHTS, **weights}
            return sum(value for value in given.values() if isinstance(value, int | float)) > 0
    return True


@schema.hook
def map_case(context: Any, case: Any) -> Any:
    """A schema-valid CSV import: generated text as one team's name and challenge. A
    schema-valid form answer: the generated answers put on the form's own questions (the
    questions are data, which no schema can list), scale questions on a scale point."""
    if _positive(case) and case.operation.label == "POST /api/forms/{form_id}/answers":
        form = FORMS.get(str((case.path_parameters or {}).get("form_id", "")))
        if form is not None and isinstance(case.body, dict):
            generated = list((case.body.get("answers") or {}).values())
            case.body["answers"] = {
                question.id: (SCALE_POINTS[len(text) % 5] if question.kind == "scale" else text)
                for question, text in zip(form.questions, generated, strict=False)
            }
    if _positive(case) and case.operation.label == "POST /api/teams/import":
        text = case.body if isinstance(case.body, str) else ""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["name", "challenge"])
        writer.writerow([text.strip()[:120] or "Team", text[:2000]])
        case.body = out.getvalue()
    return case


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_answers_as_its_document_says(case: Any) -> None:
    case.call_and_validate()


def test_following_the_documents_links_every_answer_is_as_documented() -> None:
    machine = schema.as_state_machine()
    machine.run(settings=settings(HYPOTHESIS, stateful_step_count=STATEFUL_STEPS))
