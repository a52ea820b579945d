"""Why two teams fit, in a few plain words.

Rules:
- Parts in this order, separated by "; ": the words both texts contain
  ("both: mentor time, principal pull-outs"), the tags both carry
  ("tags: mentoring"), the stage both are at ("same stage (implementation)").
  With none of these: "nothing in common found".
- Then, for each keep-apart field both teams carry (the part of a key before
  ":"), a fact: "same state" when they share a value, "different states" when
  not. A key without a field says only "same keep-apart group" when shared.
- Tags and stages are compared without regard to case or surrounding spaces;
  they are shown as the first team wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain.grouping.profile import Profile

NOTHING = "nothing in common found"
UNNAMED_FIELD = "keep-apart group"


def folded(text: str) -> str:
    return " ".join(text.casefold().split())


def shared_tags(a: Profile, b: Profile) -> list[str]:
    theirs = {folded(tag) for tag in b.tags}
    shown: dict[str, str] = {}
    for tag in a.tags:
        if folded(tag) in theirs and folded(tag):
            shown.setdefault(folded(tag), tag.strip())
    return list(shown.values())


def same_stage(a: Profile, b: Profile) -> bool:
    return bool(folded(a.stage)) and folded(a.stage) == folded(b.stage)


def plural(noun: str) -> str:
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if len(noun) > 1 and noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def field_of(key: str) -> str:
    field, colon, _ = key.partition(":")
    return field.strip() if colon and field.strip() else ""


def key_facts(a: Profile, b: Profile) -> list[str]:
    """'same state' / 'different states' for each field both teams carry."""
    values: dict[str, tuple[set[str], set[str]]] = {}
    for side, profile in enumerate((a, b)):
        for key in profile.apart_keys:
            values.setdefault(field_of(key), (set(), set()))[side].add(key)
    facts = []
    for field, (ours, theirs) in values.items():
        if field == "":
            if ours & theirs:
                facts.append(f"same {UNNAMED_FIELD}")
        elif ours and theirs:
            facts.append(f"same {field}" if ours & theirs else f"different {plural(field)}")
    return facts


def explanation(a: Profile, b: Profile, terms: Sequence[str]) -> str:
    parts = []
    if terms:
        parts.append("both: " + ", ".join(terms))
    tags = shared_tags(a, b)
    if tags:
        parts.append("tags: " + ", ".join(tags))
    if same_stage(a, b):
        parts.append(f"same stage ({a.stage.strip()})")
    return "; ".join([*(parts or [NOTHING]), *key_facts(a, b)])
