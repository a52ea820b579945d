"""Field paths for people: ``phases[2].duration``, ``team_ids[0]``.

Rules: one spelling everywhere an error names a field (protocol files, REST
bodies, websocket frames): names joined by dots, list positions in brackets.
Framework location prefixes (body, query, path) are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

_PREFIXES = frozenset({"body", "query", "path", "header"})


def field_path(location: Iterable[int | str]) -> str:
    path = ""
    for index, part in enumerate(location):
        if index == 0 and part in _PREFIXES:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


NUL = "\x00"


def nul_at(value: object, path: str = "") -> str | None:
    """Where a NUL character hides in parsed input (a field path, "" for the top), or None.

    Text with a NUL cannot be stored in PostgreSQL and means nothing to a person: client
    input holding one is refused, naming where.
    """
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = nul_at(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = nul_at(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def refuse_nul(data: object) -> object:
    """A pydantic "before" model validator: raise naming the field that holds a NUL."""
    where = nul_at(data)
    if where is not None:
        raise ValueError(f"{where or 'the input'} holds a NUL character (\\u0000), not allowed")
    return data
