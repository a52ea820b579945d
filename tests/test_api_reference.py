"""The websocket message reference in docs/api.md is the code's, and reads right.

The expected message types and fields come from the pydantic unions themselves,
not from the JSON Schema the reference is rendered from, so a renderer that
dropped a message or a field would be caught.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import annotated_types
import pytest
from pydantic import BaseModel

from server.wire import reference
from server.wire.messages import ClientMessage, Recall, RoomAction, ServerMessage
from server.wire.schema import websocket_schema

API_MD = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def document() -> str:
    return API_MD.read_text(encoding="utf-8")


def union_models(union: Any) -> list[type[BaseModel]]:
    members = get_args(get_args(union)[0])
    assert members, union
    return list(members)


def type_of(model: type[BaseModel]) -> str:
    (value,) = get_args(model.model_fields["type"].annotation)
    assert isinstance(value, str)
    return value


def nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from nested_models(field.annotation)
        return
    for argument in get_args(annotation):
        yield from nested_models(argument)


def sections(block: str) -> dict[str, list[list[str]]]:
    """Each ``#### `title``` of the generated block to the cells of its table rows."""
    found: dict[str, list[list[str]]] = {}
    rows: list[list[str]] = []
    for line in block.splitlines():
        heading = re.fullmatch(r"#### `([^`]+)`", line)
        if heading:
            assert heading.group(1) not in found, f"{heading.group(1)} appears twice"
            rows = found.setdefault(heading.group(1), [])
        elif line.startswith("| `"):
            rows.append([part.strip() for part in re.split(r"(?<!\\)\|", line)[1:-1]])
    return found


def row(block: str, title: str, field: str) -> list[str]:
    matches = [cells for cells in sections(block)[title] if cells[0] == f"`{field}`"]
    assert len(matches) == 1, (title, field, matches)
    return matches[0]


@pytest.fixture(scope="module")
def block() -> str:
    return reference.generated_block(document())


# -- (a) the block is what the code renders now ----------------------------------------


def test_the_reference_in_the_docs_is_the_code_s(block: str) -> None:
    assert block == reference.block(), (
        "docs/api.md's websocket message reference differs from the code: "
        f"run `{reference.COMMAND}`"
    )


def test_the_block_sits_in_section_8() -> None:
    text = document()
    begin = text.index(reference.BEGIN_MARKER)
    assert text.index("## 8. The websocket `/ws`") < begin < text.index("## 9. Flows")


# -- (b) every message type is documented -----------------------------------------------


@pytest.mark.parametrize(
    ("union", "table"),
    [(ClientMessage, "### 8.3 Client → server messages"), (ServerMessage, "### 8.4 Server")],
)
def test_every_message_type_is_in_the_docs(union: Any, table: str, block: str) -> None:
    text = document()
    written = text[text.index(table) : text.index(reference.BEGIN_MARKER)]
    titled = sections(block)
    for model in union_models(union):
        name = type_of(model)
        assert name in titled, f"{name} has no part in the generated reference"
        assert f"[`{name}`](#" in written, f"{name} is missing from the table of {table!r}"
        headings = [line for line in written.splitlines() if line.startswith("#### ")]
        assert any(f"`{name}`" in line for line in headings), (
            f"{name} has no hand-written part under {table!r}"
        )


# -- (c) every field is in the block ------------------------------------------------------


def test_every_field_of_every_message_is_in_the_block(block: str) -> None:
    titled = sections(block)
    for model in [*union_models(ClientMessage), *union_models(ServerMessage)]:
        names = [cells[0] for cells in titled[type_of(model)]]
        assert names == [f"`{name}`" for name in model.model_fields], type_of(model)


def test_every_field_of_every_shape_they_hold_is_in_the_block(block: str) -> None:
    titled = sections(block)
    messages = set(union_models(ClientMessage)) | set(union_models(ServerMessage))
    shapes = {
        nested
        for model in messages
        for field in model.model_fields.values()
        for nested in nested_models(field.annotation)
    } - messages
    assert {"RoomView", "SeatView", "FitResult", "HelpResult"} <= {s.__name__ for s in shapes}
    for shape in shapes:
        names = [cells[0] for cells in titled[shape.__name__]]
        assert names == [f"`{name}`" for name in shape.model_fields], shape.__name__


# -- (d) the types read right ---------------------------------------------------------------


def test_room_command_action_lists_the_real_actions(block: str) -> None:
    actions = " | ".join(json.dumps(action) for action in get_args(RoomAction))
    assert '"adjust_time"' in actions
    assert '"restart_phase"' in actions
    schema = websocket_schema()["client_to_server"]["$defs"]["RoomCommand"]
    assert reference.type_text(schema["properties"]["action"]) == actions
    assert row(block, "room.command", "action")[1:3] == [actions.replace("|", "\\|"), "required"]


def test_expected_version_says_integer_at_least_zero(block: str) -> None:
    assert row(block, "room.command", "expected_version")[1:3] == ["integer ≥ 0", "required"]
    for title in ("event.start_all", "event.recall", "help.claim"):
        assert row(block, title, "expected_version")[1:3] == [
            "integer ≥ 0 or null",
            "optional, default `null`",
        ]


def test_bounds_come_from_the_model(block: str) -> None:
    metadata = Recall.model_fields["seconds"].metadata
    low = next(m.ge for m in metadata if isinstance(m, annotated_types.Ge))
    high = next(m.le for m in metadata if isinstance(m, annotated_types.Le))
    assert row(block, "event.recall", "seconds")[1] == f"integer {low} to {high} or null"
    assert row(block, "broadcast.send", "text")[1] == "string (1 to 500 characters)"


def test_references_arrays_maps_and_unions_read_as_words(block: str) -> None:
    assert row(block, "snapshot", "rooms")[1] == "array of [`RoomView`](#ws-shape-roomview) objects"
    assert row(block, "snapshot", "presence")[1] == (
        "object: string → array of [`PersonView`](#ws-shape-personview) objects"
    )
    assert row(block, "error", "change")[1] == "[`ChangeView`](#ws-shape-changeview) object or null"
    assert row(block, "room.updated", "events")[1] == "array of strings"
    detail = row(block, "command.ok", "detail")[1]
    assert detail.startswith("one of [`RoomCommandResult`](#ws-shape-roomcommandresult), ")
    assert detail.endswith(" objects, told apart by `kind`")
    assert row(block, "EventView", "status")[1] == (
        '"setup" \\| "running" \\| "recalling" \\| "main_room"'
    )


def test_a_server_message_s_type_is_required_though_the_model_has_a_default(block: str) -> None:
    assert row(block, "resync", "type")[1:3] == ['"resync"', "required"]
    assert row(block, "error", "field")[2] == "optional, default `null`"


def test_every_link_to_the_reference_lands_on_an_anchor() -> None:
    text = document()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    links = set(re.findall(r"\]\(#(ws-[^)]+)\)", text))
    assert links, "no links into the reference"
    assert links <= anchors, sorted(links - anchors)


# -- the renderer's own rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"const": "x"}, '"x"'),
        ({"type": "number", "exclusiveMinimum": 0}, "number > 0"),
        ({"type": "integer", "maximum": 5}, "integer ≤ 5"),
        ({"type": "string", "minLength": 1}, "string (at least 1 character)"),
        ({"type": "boolean"}, "boolean"),
        ({"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}, "`A` object or null"),
        (
            {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            "array of arrays of integers",
        ),
        ({"type": "object", "additionalProperties": True}, "object"),
        ({"type": ["string", "null"]}, "string or null"),
    ],
)
def test_type_text(schema: dict[str, Any], text: str) -> None:
    assert reference.type_text(schema) == text


@pytest.mark.parametrize(
    "schema",
    [{"type": "tuple"}, {"$ref": "elsewhere.json"}, {"type": "object", "properties": {"a": {}}}],
)
def test_a_schema_the_renderer_does_not_know_is_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(reference.SchemaNotUnderstood):
        reference.type_text(schema)


def test_the_same_name_defined_twice_differently_is_refused() -> None:
    schema = websocket_schema()
    change = schema["server_to_client"]["$defs"]["ChangeView"]
    client = schema["client_to_server"]
    client["$defs"]["ChangeView"] = change | {"description": "not the same"}
    client["$defs"]["ClockPing"]["properties"]["change"] = {"$ref": "#/$defs/ChangeView"}
    with pytest.raises(reference.SchemaNotUnderstood, match="ChangeView"):
        reference.render(schema)


def test_write_replaces_only_the_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "api.md"
    path.write_text(
        f"# Title\n\nbefore\n{reference.BEGIN_MARKER}\nstale\n{reference.END_MARKER}\nafter\n",
        encoding="utf-8",
    )
    assert reference.main(["--write", str(path)]) == 0
    written = path.read_text(encoding="utf-8")
    assert written == (
        f"# Title\n\nbefore\n{reference.BEGIN_MARKER}\n{reference.block()}"
        f"{reference.END_MARKER}\nafter\n"
    )
    assert reference.main([]) == 0
    assert capsys.readouterr().out == reference.render()


@pytest.mark.parametrize(
    "text",
    [
        "no markers\n",
        f"{reference.END_MARKER}\n{reference.BEGIN_MARKER}\n",
        f"{reference.BEGIN_MARKER}\n{reference.END_MARKER}\n{reference.BEGIN_MARKER}\n"
        f"{reference.END_MARKER}\n",
    ],
)
def test_write_refuses_a_file_without_one_pair_of_markers(tmp_path: Path, text: str) -> None:
    path = tmp_path / "api.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        reference.main(["--write", str(path)])
    assert exit_info.value.code == 1
    assert path.read_text(encoding="utf-8") == text
