"""Reading protocol definitions from YAML files into the domain's protocol model.

Rules:
- YAML is read with the YAML 1.2 core schema: only ``true``/``false`` are
  booleans, so ``on``, ``off``, ``yes`` and ``no`` stay words; ``3:00`` is a
  string, not a sexagesimal 180; dates stay strings. Duplicate keys are an
  error, never a silent overwrite.
- A bad file raises ``ProtocolFileError`` naming the file and, for every
  problem, the field (``phases[2].duration``) and what was expected.
- The shipped definitions live in ``protocol_defs/`` of a checkout, or in the
  installed package's data when installed from a wheel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from server.domain.adapted import adapt, split_id
from server.domain.protocol import Protocol
from server.fields import field_path

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_protocols_dir() -> Path:
    """Where the shipped definitions are: packaged data first, then the checkout."""
    for candidate in (
        _PACKAGE_DIR / "_data" / "protocol_defs",
        _PACKAGE_DIR.parent / "protocol_defs",
    ):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("protocol_defs directory not found beside the server package")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ProtocolFileError(ValueError):
    """A protocol file that could not be loaded, with every problem found."""

    def __init__(self, path: Path | str, problems: Iterable[Problem]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{self.path}: invalid definition\n{lines}")


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader restricted to the YAML 1.2 core schema, refusing duplicate keys."""


# Replace YAML 1.1's implicit resolvers (yes/no/on/off booleans, sexagesimal
# numbers, timestamps, '=' values) with the YAML 1.2 core schema.
_Yaml12Loader.yaml_implicit_resolvers = {}
_CORE_SCHEMA: tuple[tuple[str, str, str], ...] = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN\x00"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
)
for _tag, _pattern, _first in _CORE_SCHEMA:
    _Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_yaml12_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # YAML 1.2: a leading zero is not octal


def _construct_mapping_without_duplicates(
    loader: yaml.SafeLoader, node: yaml.Node, deep: bool = False
) -> dict[Any, Any]:
    assert isinstance(node, yaml.MappingNode)
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_yaml12_int)
_Yaml12Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_without_duplicates
)


D = TypeVar("D", bound=BaseModel)


def read_yaml(text: str) -> Any:
    """Parse YAML text with the YAML 1.2 core schema (see the module rules)."""
    return yaml.load(text, Loader=_Yaml12Loader)


def problems_from_validation(error: ValidationError) -> Iterator[Problem]:
    for detail in error.errors(include_url=False):
        location = tuple(detail["loc"])
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = "unknown field"
        elif detail["type"] == "missing":
            message = "required field is missing"
        elif "input" in detail and detail["type"] not in ("value_error",):
            message = f"{message} (got {detail['input']!r})"
        if not location and ": " in message:
            # Cross-reference problems carry their own field paths.
            for part in message.split("\n"):
                field, _, text = part.partition(": ")
                yield Problem(field, text)
            continue
        yield Problem(field_path(location), message)


def parse_definition(text: str, model: type[D], *, source: Path | str) -> D:
    """Validate the text of one definition file (a protocol, a form) as ``model``;
    errors name ``source`` and every field."""
    try:
        raw = read_yaml(text)
    except yaml.YAMLError as error:
        raise ProtocolFileError(source, [Problem("", f"not valid YAML: {error}")]) from None
    if not isinstance(raw, dict):
        raise ProtocolFileError(
            source, [Problem("", f"expected a mapping at the top level, got {type(raw).__name__}")]
        )
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise ProtocolFileError(source, problems_from_validation(error)) from None


def read_definition(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProtocolFileError(path, [Problem("", f"cannot be read: {error}")]) from None


def parse_protocol(text: str, *, source: Path | str) -> Protocol:
    """Validate the text of one protocol file; errors name ``source``."""
    return parse_definition(text, Protocol, source=source)


def load_protocol_file(path: Path) -> Protocol:
    """Load one file; its ``id`` must match its file name."""
    protocol = parse_protocol(read_definition(path), source=path)
    if protocol.id != path.stem:
        raise ProtocolFileError(
            path,
            [Problem("id", f"expected {path.stem!r} to match the file name, got {protocol.id!r}")],
        )
    return protocol


class ProtocolLibrary:
    """The protocols an app or the CLI knows, by id."""

    def __init__(self, protocols: Iterable[Protocol]) -> None:
        self._by_id: dict[str, Protocol] = {}
        self._adapted: dict[str, Protocol] = {}
        for protocol in protocols:
            if protocol.id in self._by_id:
                raise ValueError(f"two protocol definitions share the id {protocol.id!r}")
            self._by_id[protocol.id] = protocol

    @classmethod
    def from_directory(cls, directory: Path) -> ProtocolLibrary:
        return cls(load_protocol_file(path) for path in sorted(directory.glob("*.yaml")))

    def get(self, protocol_id: str) -> Protocol:
        """A shipped protocol by id, or one adapted with an event's own phase lengths
        (``server.domain.adapted``: its id says which), built once and kept."""
        try:
            return self._by_id[protocol_id]
        except KeyError:
            pass
        adapted = self._adapted.get(protocol_id)
        if adapted is not None:
            return adapted
        split = split_id(protocol_id)
        if split is None or split[0] not in self._by_id:
            known = ", ".join(sorted(self._by_id))
            raise KeyError(f"unknown protocol {protocol_id!r}; known: {known}")
        adapted = adapt(self._by_id[split[0]], split[1])
        self._adapted[protocol_id] = adapted
        return adapted

    def __contains__(self, protocol_id: object) -> bool:
        """Whether ``protocol_id`` names a shipped protocol (adapted ones are built, not
        listed)."""
        return protocol_id in self._by_id

    def __iter__(self) -> Iterator[Protocol]:
        """The shipped protocols."""
        return iter(sorted(self._by_id.values(), key=lambda protocol: protocol.id))

    def __len__(self) -> int:
        return len(self._by_id)


@cache
def shipped_library() -> ProtocolLibrary:
    """The definitions that ship with consult (read once per process)."""
    return ProtocolLibrary.from_directory(shipped_protocols_dir())
