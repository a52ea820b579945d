"""The hub's pure parts: envelopes between processes, and the presence book with expiry."""

from __future__ import annotations

import pytest

from server.hub import envelope
from server.hub.envelope import Audience, EnvelopeError
from server.hub.presence import EXPIRY_SECONDS, PresenceBook
from server.wire.messages import PersonView


def test_every_kind_of_envelope_reads_back_as_written() -> None:
    audience = Audience(room_id="r1", access=frozenset({"moderator"}), team_ids=frozenset({"t"}))
    assert envelope.decode(envelope.for_clients('{"a":1}', audience)) == (
        envelope.ForClients(audience, '{"a":1}')
    )
    assert envelope.decode(envelope.for_clients("x\ny", Audience())) == (
        envelope.ForClients(Audience(), "x\ny")
    )
    entries = [("room:r1", 12.5), ("event:e", None), ("room:r2", 3.0)]
    assert envelope.decode(envelope.schedule("p1", entries)) == envelope.Schedule("p1", entries)
    people: list[envelope.PersonData] = [
        {"role": "member", "label": "Ana"},
        {"role": "member", "label": "Bo", "name": "Bo Li", "offset_ms": -2.5, "round_trip_ms": 40},
    ]
    assert envelope.decode(envelope.presence_part("r1", "p1", people)) == (
        envelope.PresencePart("r1", "p1", people)
    )
    assert envelope.decode(envelope.heartbeat("p1")) == envelope.Heartbeat("p1", False)
    assert envelope.decode(envelope.heartbeat("p1", gone=True)) == envelope.Heartbeat("p1", True)
    assert envelope.decode(envelope.presence_query("p2")) == envelope.PresenceQuery("p2")
    assert envelope.decode(envelope.resync_all("p3")) == envelope.ResyncAll("p3")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("no newline at all", "without a header line"),
        ("z{}\n", "unknown envelope kind"),
        ("m{not json\n{}", "bad audience header"),
        ('s{"process":"p"}\n[["room:r1", "soon"]]', "bad 's' envelope"),
        ('s{"process":"p"}\n[[1, 2]]', "bad 's' envelope"),
        ("s\n[]", "bad 's' envelope"),
        ('p{"room":"r"}\n[]', "bad 'p' envelope"),
        ('p{"room":"r","process":"p"}\n{}', "bad 'p' envelope"),
        ('p{"room":"r","process":"p"}\n["Ana"]', "bad 'p' envelope"),
        ("h[]\n", "bad 'h' envelope"),
    ],
)
def test_a_malformed_envelope_is_refused_with_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(EnvelopeError, match=says):
        envelope.decode(text)


def person(label: str) -> PersonView:
    return PersonView(role="member", label=label)


def test_presence_merges_processes_and_forgets_one_that_stops_beating() -> None:
    book = PresenceBook()
    book.put("e", "r", "one", [person("Ana")], now=0)
    book.put("e", "r", "two", [person("Bo")], now=0)
    book.put("e", "r", "me", [person("Cy")], now=0)
    assert {p.label for p in book.people("e", "r")} == {"Ana", "Bo", "Cy"}
    book.heard("e", "one", now=EXPIRY_SECONDS)
    # "two" has been silent for longer than the expiry; this process never expires itself.
    assert book.expire(EXPIRY_SECONDS + 0.5, keep="me") == [("e", "r")]
    assert {p.label for p in book.people("e", "r")} == {"Ana", "Cy"}
    assert book.expire(EXPIRY_SECONDS + 0.6, keep="me") == []


def test_a_process_that_says_it_is_gone_leaves_at_once_and_an_empty_room_is_kept() -> None:
    book = PresenceBook()
    book.put("e", "r1", "one", [person("Ana")], now=0)
    book.put("e", "r2", "one", [person("Bo")], now=0)
    assert sorted(book.forget_process("e", "one")) == ["r1", "r2"]
    assert book.people("e", "r1") == []
    assert sorted(book.rooms("e")) == ["r1", "r2"]
    book.put("e", "r1", "two", [person("Cy")], now=1)
    book.put("e", "r1", "two", [], now=2)
    assert book.people("e", "r1") == []
