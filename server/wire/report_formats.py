"""The event report's other formats, each rendered from its JSON (``server.service.report``).

Rules: nothing here reads anything but the report's JSON, so every format says the
same; times are shown in UTC; the SVG uses presentation attributes only (no style
attribute, no script), so the page's strict Content-Security-Policy shows it as it
is; text in the SVG and the Markdown is escaped; CSV cells a spreadsheet would run
as formulas are neutralised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from server.domain.forms import SCALE, Form, FormResult
from server.spreadsheet import csv_text

CSV_COLUMNS = (
    "room",
    "round",
    "phase",
    "planned_start",
    "planned_seconds",
    "actual_start",
    "actual_seconds",
    "active_seconds",
    "drift_seconds",
    "pauses",
    "paused_seconds",
    "added_seconds",
    "overtime_seconds",
    "ended_by",
)


def clock(epoch_ms: float | None) -> str:
    if epoch_ms is None:
        return "—"
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%H:%M:%S")


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    whole = round(abs(seconds))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: dict[str, Any]) -> str:
    event = report["event"]
    lines = [
        f"# {_md(event['title'])}: how it ran",
        "",
        f"{_md(event['protocol_title'])} · planned start {clock(event['scheduled_start'])} UTC · "
        f"back in the main room {clock(event['main_room_at'])} UTC · "
        f"final thoughts from {report['feedback']['responses']} people in "
        f"{report['feedback']['rooms_answered']} room(s)",
        "",
    ]
    for switch in report.get("format_switches", []):
        absent = f"; absent: {_md(', '.join(switch['absent']))}" if switch["absent"] else ""
        lines.append(
            f"- Format switched at {clock(switch['at'])} UTC by {_md(switch['by'])} to "
            f"{_md(switch['protocol_title'])} in {_md(', '.join(switch['rooms']))}: "
            f"{len(switch['present'])} team(s) present{absent}"
        )
    if report.get("format_switches"):
        lines.append("")
    for room in report["rooms"]:
        lines += [f"## {_md(room['label'])}", ""]
        for team in room["teams"]:
            lines.append(f"- **{_md(team['name'])}** ({_md(team['organisation'])})")
            if team["challenge"]:
                lines.append(f"  - Challenge: {_md(team['challenge'])}")
            if team["request"]:
                lines.append(f"  - Request: {_md(team['request'])}")
        lines += [
            "",
            "| round | phase | planned start | planned | actual start | actual | active | "
            "drift | pauses | added | overtime | ended by |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for phase in room["phases"]:
            lines.append(
                f"| {phase['round_index'] + 1} | {_md(phase['title'])} | "
                f"{clock(phase['planned_start'])} | {minutes(phase['planned_seconds'])} | "
                f"{clock(phase['start'])} | {minutes(phase['actual_seconds'])} | "
                f"{minutes(phase['active_seconds'])} | {minutes(phase['drift_seconds'])} | "
                f"{phase['pauses']} ({minutes(phase['paused_seconds'])}) | "
                f"{minutes(phase['added_seconds'])} | {minutes(phase['overtime_seconds'])} | "
                f"{_md(phase['ended_by'] or 'under way')} |"
            )
        if not room["phases"]:
            lines.append("| | not started | | | | | | | | | | |")
        lines.append("")
        for wait in room["help"]:
            lines.append(
                f"- Help asked {clock(wait['asked_at'])} ({_md(wait['role'])}, "
                f"{_md(wait['phase_id'])}): waited {minutes(wait['wait_seconds'])}"
            )
        for ask in room["asks"]:
            what = "one more minute" if ask["kind"] == "more_time" else "done"
            lines.append(f"- Asked {what} at {clock(ask['asked_at'])}: {ask['status']}")
        for sent in room["broadcasts"]:
            lines.append(f"- Broadcast {clock(sent['at'])}: {_md(sent['text'])}")
        feedback = room["feedback"]
        if feedback["responses"]:
            lines.append(f"- Final thoughts: {feedback['responses']} response(s)")
            lines += [f"  - Most useful: {_md(text)}" for text in feedback["most_useful"]]
            lines += [f"  - Could be more useful: {_md(text)}" for text in feedback["more_useful"]]
        lines.append("")
    for form in report.get("forms", []):
        lines += [f"## {_md(form['title'])}: {form['responses']} response(s)", ""]
        for question in form["questions"]:
            if question["kind"] == "scale":
                counts = ", ".join(f"{label} {question['counts'][value]}" for value, label in SCALE)
                lines.append(f"- {_md(question['prompt'])} {counts}")
            else:
                lines.append(f"- {_md(question['prompt'])}")
                lines += [f"  - {_md(text)}" for text in question["texts"]]
        lines.append("")
    return "\n".join(lines)


def csv(report: dict[str, Any]) -> str:
    rows = [
        (
            room["label"],
            phase["round_index"] + 1,
            phase["phase_id"],
            phase["planned_start"],
            phase["planned_seconds"],
            phase["start"],
            phase["actual_seconds"],
            phase["active_seconds"],
            phase["drift_seconds"],
            phase["pauses"],
            phase["paused_seconds"],
            phase["added_seconds"],
            phase["overtime_seconds"],
            phase["ended_by"],
        )
        for room in report["rooms"]
        for phase in room["phases"]
    ]
    return csv_text(CSV_COLUMNS, rows)


ROW_HEIGHT = 34
LABEL_WIDTH = 150
CHART_WIDTH = 760


def svg(report: dict[str, Any]) -> str:
    """A timeline per room: planned phases (outlined) above actual ones (filled)."""
    spans = [
        (phase["planned_start"], phase["planned_start"] + phase["planned_seconds"] * 1000)
        for room in report["rooms"]
        for phase in room["phases"]
    ] + [
        (phase["start"], phase["end"] or phase["start"])
        for room in report["rooms"]
        for phase in room["phases"]
    ]
    rooms = report["rooms"]
    height = 40 + ROW_HEIGHT * max(len(rooms), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LABEL_WIDTH + CHART_WIDTH + 20} '
        f'{height}" role="img" aria-labelledby="timeline-title" class="timeline">',
        '<title id="timeline-title">Planned against actual phases, room by room</title>',
    ]
    if not spans:
        parts.append('<text x="10" y="30" fill="#1b1f24">No room has started yet.</text></svg>')
        return "".join(parts)
    first: float = min(float(start) for start, _ in spans)
    last: float = max(float(end) for _, end in spans)
    scale = CHART_WIDTH / max(last - first, 1.0)

    def x(epoch_ms: float) -> float:
        return round(LABEL_WIDTH + (epoch_ms - first) * scale, 1)

    parts.append(
        f'<text x="{LABEL_WIDTH}" y="16" fill="#4a5360" font-size="12">{clock(first)} UTC</text>'
        f'<text x="{LABEL_WIDTH + CHART_WIDTH}" y="16" fill="#4a5360" font-size="12" '
        f'text-anchor="end">{clock(last)} UTC</text>'
    )
    for index, room in enumerate(rooms):
        top = 28 + index * ROW_HEIGHT
        parts.append(
            f'<text x="4" y="{top + 18}" fill="#1b1f24" font-size="13">'
            f"{escape(room['label'][:22])}</text>"
        )
        for phase in room["phases"]:
            planned_end = phase["planned_start"] + phase["planned_seconds"] * 1000
            label = escape(f"{phase['title']} (round {phase['round_index'] + 1})")
            parts.append(
                f'<rect x="{x(phase["planned_start"])}" y="{top + 2}" '
                f'width="{max(x(planned_end) - x(phase["planned_start"]), 1)}" height="10" '
                'fill="none" stroke="#0b4f8a" stroke-width="1">'
                f"<title>planned: {label}</title></rect>"
            )
            end = phase["end"] or phase["start"]
            parts.append(
                f'<rect x="{x(phase["start"])}" y="{top + 14}" '
                f'width="{max(x(end) - x(phase["start"]), 1)}" height="12" '
                f'fill="{"#a3001b" if phase["overtime_seconds"] else "#0b4f8a"}" '
                f'data-phase="{escape(phase["phase_id"])}"><title>actual: {label}</title></rect>'
            )
    parts.append("</svg>")
    return "".join(parts)


SCALE_COLOURS = ("#0b4f8a", "#4f86b8", "#9aa5b1", "#c77a3a", "#a3001b")


def forms_chart(form: Form, result: FormResult) -> str:
    """A form's scale questions as stacked bars, one per question, strongly agree first."""
    scale = [q for q in result.questions if q.kind == "scale"]
    width, bar, label_height = 760, 18, 16
    row = label_height + bar + 12
    height = 34 + row * max(len(scale), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{escape(form.id)}" class="form-chart">',
        f'<title id="chart-{escape(form.id)}">{escape(form.title)}: {result.responses} '
        "response(s)</title>",
    ]
    x = 0.0
    for (_, label), colour in zip(SCALE, SCALE_COLOURS, strict=True):
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="15" font-size="12" fill="#1b1f24">{escape(label)}</text>'
        )
        x += 150
    if not scale:
        parts.append('<text x="0" y="40" fill="#1b1f24">This form has no scale questions.</text>')
    for index, question in enumerate(scale):
        top = 30 + index * row
        parts.append(
            f'<text x="0" y="{top + 12}" font-size="12" fill="#1b1f24">'
            f"{escape(question.prompt[:110])}</text>"
        )
        total = max(question.answered, 1)
        x = 0.0
        for (value, label), colour in zip(SCALE, SCALE_COLOURS, strict=True):
            count = question.counts.get(value, 0)
            share = width * count / total
            if count:
                parts.append(
                    f'<rect x="{round(x, 1)}" y="{top + label_height}" width="{round(share, 1)}" '
                    f'height="{bar}" fill="{colour}" data-point="{value}">'
                    f"<title>{escape(label)}: {count}</title></rect>"
                )
            x += share
        if not question.answered:
            parts.append(
                f'<text x="0" y="{top + label_height + 13}" font-size="12" fill="#4a5360">'
                "No answers yet</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
