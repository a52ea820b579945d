"""Reflection forms shipped with consult (``protocol_defs/forms/*.yaml``), read and checked
like the protocol definitions: every problem named by file and field.

Rules: a form's ``id`` matches its file name; a form may name only protocols the
library knows; two forms never share an id; the shipped forms are read once per
process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from server.domain.forms import Form
from server.protocols import (
    Problem,
    ProtocolFileError,
    ProtocolLibrary,
    parse_definition,
    read_definition,
    shipped_library,
    shipped_protocols_dir,
)


def load_form_file(path: Path, protocols: ProtocolLibrary) -> Form:
    form = parse_definition(read_definition(path), Form, source=path)
    problems = []
    if form.id != path.stem:
        problems.append(
            Problem("id", f"expected {path.stem!r} to match the file name, got {form.id!r}")
        )
    for index, protocol_id in enumerate(form.protocols):
        if protocol_id not in protocols:
            known = ", ".join(protocol.id for protocol in protocols)
            problems.append(
                Problem(f"protocols[{index}]", f"unknown protocol {protocol_id!r}; known: {known}")
            )
    if problems:
        raise ProtocolFileError(path, problems)
    return form


class FormLibrary:
    """The reflection forms an app knows, by id."""

    def __init__(self, forms: Iterable[Form]) -> None:
        self._by_id: dict[str, Form] = {}
        for form in forms:
            if form.id in self._by_id:
                raise ValueError(f"two forms share the id {form.id!r}")
            self._by_id[form.id] = form

    @classmethod
    def from_directory(cls, directory: Path, protocols: ProtocolLibrary) -> FormLibrary:
        return cls(load_form_file(path, protocols) for path in sorted(directory.glob("*.yaml")))

    def get(self, form_id: str) -> Form | None:
        return self._by_id.get(form_id)

    def for_protocol(self, protocol_id: str) -> list[Form]:
        return [form for form in self if form.belongs_to(protocol_id)]

    def __iter__(self) -> Iterator[Form]:
        return iter(sorted(self._by_id.values(), key=lambda form: form.id))


@cache
def shipped_forms() -> FormLibrary:
    return FormLibrary.from_directory(shipped_protocols_dir() / "forms", shipped_library())
