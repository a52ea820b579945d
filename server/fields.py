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
