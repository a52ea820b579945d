"""Reflection forms in an event: offered by its protocol, answered once per person (and
changed), refused when the answers do not fit the form, added up for the uber."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server, set_up_event

FORM = "progress-implementation"


async def test_a_progress_assessment_is_answered_changed_and_added_up(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "f.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        first, second = setup.members[0][0], setup.members[1][0]
        async with server.http(first) as http:
            offered = (await http.get("/api/forms")).json()
            assert [form["id"] for form in offered["forms"]] == [
                "progress-impact",
                "progress-implementation",
                "progress-innovation",
            ]
            assert [p["value"] for p in offered["forms"][0]["scale"]] == [
                "strongly_agree",
                "agree",
                "uncertain",
                "disagree",
                "strongly_disagree",
            ]
            path = f"/api/forms/{FORM}/answers"
            body = {"answers": {"partners": "agree"}, "expected_version": 0}
            assert (await http.post(path, json=body)).json()["error"]["code"] == "consent.needed"
            await http.post("/api/consent")
            unknown = await http.post(path, json={**body, "answers": {"mood": "agree"}})
            assert unknown.status_code == 404
            assert unknown.json()["error"]["field"] == "answers.mood"
            off_scale = await http.post(path, json={**body, "answers": {"partners": "yes"}})
            assert off_scale.status_code == 422
            missing = await http.post("/api/forms/grow-reflection/answers", json=body)
            assert missing.status_code == 404  # a GROW form: not this consultancy's
            saved = await http.post(
                path,
                json={
                    "answers": {"partners": "agree", "help": "Baseline data"},
                    "expected_version": 0,
                },
            )
            assert saved.status_code == 200, saved.text
            assert saved.json()["version"] == 1
            changed = await http.post(
                path,
                json={
                    "answers": {"partners": "strongly_agree", "focus": "uncertain"},
                    "expected_version": 1,
                },
            )
            assert changed.json()["answers"] == {"partners": "strongly_agree", "focus": "uncertain"}
            stale = await http.post(path, json={**body, "expected_version": 1})
            assert stale.status_code == 409
            mine = (await http.get("/api/forms")).json()["mine"]
            assert [(m["form_id"], m["version"]) for m in mine] == [(FORM, 2)]
            assert (await http.get(f"/api/forms/{FORM}/results")).status_code == 403
        async with server.http(second) as http:
            await http.post("/api/consent")
            await http.post(
                f"/api/forms/{FORM}/answers",
                json={"answers": {"partners": "agree", "help": "Time"}, "expected_version": 0},
            )
        async with server.http(setup.uber) as http:
            results = (await http.get(f"/api/forms/{FORM}/results")).json()
            chart = await http.get(f"/api/forms/{FORM}/results.svg")
        assert results["responses"] == 2
        partners = results["questions"][0]
        assert partners["id"] == "partners"
        assert partners["counts"] == {
            "strongly_agree": 1,
            "agree": 1,
            "uncertain": 0,
            "disagree": 0,
            "strongly_disagree": 0,
        }
        helped = next(q for q in results["questions"] if q["id"] == "help")
        assert helped["texts"] == ["Time"]  # the first person changed theirs: no help text now
        svg = ElementTree.fromstring(chart.text)
        bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.get("data-point")]
        assert sorted(str(r.get("data-point")) for r in bars) == [
            "agree",
            "strongly_agree",
            "uncertain",
        ]
