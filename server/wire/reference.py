"""The websocket message reference of docs/api.md, rendered from the messages' JSON Schema.

Rules:
- The only input is ``websocket_schema()``, the JSON Schema that ``/api/ws/schema``
  serves and ``docs/ws-schema.json`` holds; nothing is written by hand here, so
  the reference cannot say anything the code does not. Prose about behaviour
  (when a message is sent, to whom, in what order) stays hand-written around it.
- One part per message type, headed ``#### `<type>``` and preceded by an
  explicit anchor (``ws-`` plus the type with dots as dashes; ``ws-shape-`` plus
  the name for a shared shape), in the order of
  its union: every client → server message, then every server → client one.
  Each has the model's description, if any, and a table of its fields: name,
  JSON type, whether it is required (with the default when it is not) and the
  field's description.
- A union's tag (``type``) is required in every message: a frame without it
  matches no message, even where the model itself has a default.
- Every object a message refers to (``$defs``, followed through nested
  references) that is not itself a message gets one table under "Shared
  shapes", in alphabetical order. A name defined differently in the two
  directions is an error, not a guess.
- Types read as plain words: ``string``, ``integer ≥ 0``, ``"start" | "pause"``,
  ```RoomView` object``, ``array of strings``, ``... or null``. A schema the
  renderer does not know is an error, so a new kind of field cannot be shown
  wrongly.
- The output is deterministic: the same schema gives the same bytes. Text in a
  table cell is flattened to one line and its pipes escaped; reST-style double
  backticks in docstrings become Markdown code.
- ``python -m server.wire.reference`` prints the reference; ``--write PATH``
  replaces the text between ``BEGIN_MARKER`` and ``END_MARKER`` in PATH (a file
  without exactly one such pair, in that order, is refused and left unchanged).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.wire.schema import websocket_schema

COMMAND = "python -m server.wire.reference --write docs/api.md"
BEGIN_MARKER = f"<!-- BEGIN GENERATED: websocket messages ({COMMAND}) -->"
END_MARKER = "<!-- END GENERATED: websocket messages -->"

DIRECTIONS = (
    ("client_to_server", "Client → server messages", "Sent by the client."),
    ("server_to_client", "Server → client messages", "Sent by the server."),
)

_REF_PREFIX = "#/$defs/"
_PLURALS = {
    "string": "strings",
    "integer": "integers",
    "number": "numbers",
    "boolean": "booleans",
    "object": "objects",
}


class SchemaNotUnderstood(ValueError):
    """The schema holds something the renderer cannot describe faithfully."""


@dataclass(frozen=True, slots=True)
class FieldRow:
    name: str
    type: str
    required: str
    description: str


@dataclass(frozen=True, slots=True)
class Shape:
    """One table of the reference: a message (``title`` is its ``type``) or a shared shape."""

    title: str
    anchor: str
    description: str
    fields: tuple[FieldRow, ...]


# -- types ---------------------------------------------------------------------------


def ref_name(ref: str) -> str:
    if not ref.startswith(_REF_PREFIX):
        raise SchemaNotUnderstood(f"expected a reference into $defs, got {ref!r}")
    return ref[len(_REF_PREFIX) :]


def literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _limits(schema: Mapping[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if (
        low is not None
        and high is not None
        and not ("exclusiveMinimum" in schema or "exclusiveMaximum" in schema)
    ):
        return f"{literal(low)} to {literal(high)}"
    bounds = [
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ]
    return " and ".join(f"{sign} {literal(schema[key])}" for key, sign in bounds if key in schema)


def _string_limits(schema: Mapping[str, Any]) -> str:
    low, high = schema.get("minLength"), schema.get("maxLength")
    parts: list[str] = []
    if low is not None and high is not None:
        parts.append(f"{low} to {high} characters")
    elif low is not None:
        parts.append(f"at least {low} character{'s' if low != 1 else ''}")
    elif high is not None:
        parts.append(f"at most {high} characters")
    if "pattern" in schema:
        parts.append(f"matching `{schema['pattern']}`")
    if "format" in schema:
        parts.append(f"format {schema['format']}")
    return ", ".join(parts)


def _plural(text: str) -> str:
    if text in _PLURALS:
        return _PLURALS[text]
    if re.fullmatch(r"(`\w+`|\[`\w+`\]\(#[\w-]+\)) object", text):
        return text + "s"
    if text.startswith("array of "):
        return "arrays of " + text[len("array of ") :]
    return f"({text})"


def _scalar(kind: str, schema: Mapping[str, Any], links: Mapping[str, str]) -> str:
    if kind in ("integer", "number"):
        limits = _limits(schema)
        return f"{kind} {limits}" if limits else kind
    if kind == "string":
        limits = _string_limits(schema)
        return f"string ({limits})" if limits else "string"
    if kind in ("boolean", "null"):
        return kind
    if kind == "array":
        items = schema.get("items")
        text = "array" if items is None else f"array of {_plural(type_text(items, links))}"
        if "minItems" in schema or "maxItems" in schema:
            low, high = schema.get("minItems", 0), schema.get("maxItems")
            text += f", {low} to {high} items" if high is not None else f", at least {low} items"
        return text
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, Mapping):
            return f"object: string → {type_text(values, links)}"
        if schema.get("properties"):
            raise SchemaNotUnderstood("an object with inline properties: give it a model")
        return "object"
    raise SchemaNotUnderstood(f"unknown JSON type {kind!r}")


def _name(ref: str, links: Mapping[str, str]) -> str:
    name = ref_name(ref)
    return f"[`{name}`](#{links[name]})" if name in links else f"`{name}`"


def type_text(schema: Mapping[str, Any], links: Mapping[str, str] | None = None) -> str:
    """A property's JSON type in words, e.g. ``integer ≥ 0`` or ```RoomView` object or null``.

    ``links`` maps a ``$defs`` name to the anchor of its table; a name in it is linked.
    """
    links = links or {}
    if "$ref" in schema:
        return f"{_name(schema['$ref'], links)} object"
    if "const" in schema:
        return literal(schema["const"])
    if "enum" in schema:
        return " | ".join(literal(value) for value in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(type_text(option, links) for option in schema["anyOf"])
    if "oneOf" in schema:
        options = schema["oneOf"]
        if all("$ref" in option for option in options):
            text = "one of " + ", ".join(_name(option["$ref"], links) for option in options)
            text += " objects"
        else:
            text = "one of " + ", ".join(type_text(option, links) for option in options)
        tag = schema.get("discriminator", {}).get("propertyName")
        return f"{text}, told apart by `{tag}`" if tag else text
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(_scalar(str(each), schema, links) for each in kind)
    if isinstance(kind, str):
        return _scalar(kind, schema, links)
    if not schema:
        return "any JSON value"
    raise SchemaNotUnderstood(f"cannot describe {dict(schema)!r}")


# -- shapes ----------------------------------------------------------------------------


def prose(text: str) -> str:
    """A docstring or description as Markdown: paragraphs kept, lines joined."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p.replace("``", "`") for p in paragraphs if p)


def cell(text: str) -> str:
    return " ".join(text.split()).replace("``", "`").replace("|", "\\|")


def anchor(title: str) -> str:
    return "ws-" + re.sub(r"[^a-z0-9_]+", "-", title.lower()).strip("-")


def _required(name: str, prop: Mapping[str, Any], required: set[str]) -> str:
    if name in required:
        return "required"
    if "default" in prop:
        return f"optional, default `{literal(prop['default'])}`"
    return "optional"


def _fields(
    model: Mapping[str, Any], tag: str | None, links: Mapping[str, str]
) -> tuple[FieldRow, ...]:
    required = set(model.get("required", []))
    if tag is not None:
        required.add(tag)
    properties: Mapping[str, Mapping[str, Any]] = model.get("properties", {})
    return tuple(
        FieldRow(
            name=name,
            type=type_text(prop, links),
            required=_required(name, prop, required),
            description=prop.get("description", ""),
        )
        for name, prop in properties.items()
    )


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield ref_name(value)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _union_members(union: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(type constant, $defs name) of each message of a union, in the union's order."""
    tag = union["discriminator"]["propertyName"]
    defs: Mapping[str, Any] = union["$defs"]
    members = []
    for option in union["oneOf"]:
        name = ref_name(option["$ref"])
        members.append((defs[name]["properties"][tag]["const"], name))
    return members


@dataclass(frozen=True, slots=True)
class Reference:
    messages: dict[str, tuple[Shape, ...]]
    """Direction key (``client_to_server``, ``server_to_client``) to its messages."""
    shared: tuple[Shape, ...]


def build(schema: Mapping[str, Any]) -> Reference:
    """The tables of the reference: each direction's messages, then the shared shapes."""
    unions = [(key, schema[key]) for key, _, _ in DIRECTIONS]
    shared: dict[str, Mapping[str, Any]] = {}
    for _, union in unions:
        defs: Mapping[str, Mapping[str, Any]] = union["$defs"]
        members = _union_members(union)
        message_names = {name for _, name in members}
        pending = sorted({ref for _, name in members for ref in _refs(defs[name])})
        while pending:
            name = pending.pop()
            if name in message_names:
                continue
            if name in shared:
                if shared[name] != defs[name]:
                    raise SchemaNotUnderstood(f"{name} is defined differently in each direction")
                continue
            shared[name] = defs[name]
            pending.extend(_refs(defs[name]))
    shared_links = {name: anchor("shape-" + name) for name in shared}
    messages: dict[str, tuple[Shape, ...]] = {}
    for key, union in unions:
        defs = union["$defs"]
        members = _union_members(union)
        links = {**shared_links, **{name: anchor(type_name) for type_name, name in members}}
        tag = union["discriminator"]["propertyName"]
        messages[key] = tuple(
            Shape(
                title=type_name,
                anchor=anchor(type_name),
                description=defs[name].get("description", ""),
                fields=_fields(defs[name], tag, links),
            )
            for type_name, name in members
        )
    shapes = tuple(
        Shape(
            title=name,
            anchor=shared_links[name],
            description=shared[name].get("description", ""),
            fields=_fields(shared[name], None, shared_links),
        )
        for name in sorted(shared)
    )
    anchors = [shape.anchor for group in (*messages.values(), shapes) for shape in group]
    if len(set(anchors)) != len(anchors):
        raise SchemaNotUnderstood(f"two tables would share an anchor: {sorted(anchors)}")
    return Reference(messages=messages, shared=shapes)


# -- Markdown -----------------------------------------------------------------------------


def _table(shape: Shape, lead: str) -> list[str]:
    lines = [f'<a id="{shape.anchor}"></a>', "", f"#### `{shape.title}`", ""]
    text = " ".join(part for part in (lead, prose(shape.description)) if part)
    if text:
        lines += [text, ""]
    if not shape.fields:
        return [*lines, "No fields.", ""]
    lines += ["| field | type | required | meaning |", "|---|---|---|---|"]
    lines += [
        f"| `{row.name}` | {cell(row.type)} | {cell(row.required)} | {cell(row.description)} |"
        for row in shape.fields
    ]
    return [*lines, ""]


def _index(shapes: Sequence[Shape]) -> str:
    return ", ".join(f"[`{shape.title}`](#{shape.anchor})" for shape in shapes)


def render(schema: Mapping[str, Any] | None = None) -> str:
    """The reference as Markdown, ending with one newline (the text between the markers)."""
    reference = build(websocket_schema() if schema is None else schema)
    lines: list[str] = []
    for key, heading, _ in DIRECTIONS:
        lines += [f"**{heading}**: {_index(reference.messages[key])}.", ""]
    lines += [f"**Shared shapes**: {_index(reference.shared)}.", ""]
    for key, _, lead in DIRECTIONS:
        for shape in reference.messages[key]:
            lines += _table(shape, lead)
    for shape in reference.shared:
        lines += _table(shape, "")
    return "\n".join(lines).rstrip("\n") + "\n"


def block(schema: Mapping[str, Any] | None = None) -> str:
    """What goes between the marker lines: the reference, with a blank line either side."""
    return "\n" + render(schema) + "\n"


def generated_block(document: str) -> str:
    """The text between the markers of ``document``."""
    begin, end = _marker_positions(document)
    return document[begin:end]


def replace_block(document: str, text: str) -> str:
    """``document`` with ``text`` between its markers instead of what was there."""
    begin, end = _marker_positions(document)
    return document[:begin] + text + document[end:]


def _marker_positions(document: str) -> tuple[int, int]:
    lines = document.splitlines(keepends=True)
    begins = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == BEGIN_MARKER]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == END_MARKER]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        raise ValueError(
            f"expected exactly one line {BEGIN_MARKER!r} followed by one line {END_MARKER!r}; "
            f"found {len(begins)} and {len(ends)}"
        )
    start = sum(len(line) for line in lines[: begins[0] + 1])
    stop = sum(len(line) for line in lines[: ends[0]])
    return start, stop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m server.wire.reference",
        description="Render the websocket message reference from the messages' JSON Schema.",
    )
    parser.add_argument(
        "--write",
        metavar="PATH",
        type=Path,
        help="replace the generated block between the markers in PATH instead of printing",
    )
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(render())
        return 0
    path: Path = args.write
    try:
        updated = replace_block(path.read_text(encoding="utf-8"), block())
    except ValueError as error:
        parser.exit(1, f"{path}: {error}\n")
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
