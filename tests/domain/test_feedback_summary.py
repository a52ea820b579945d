"""The final-thoughts summary adds up, whatever the answers (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.domain.feedback_summary import summarise
from server.domain.records import Feedback

ROOMS = ["r1", "r2", "r3"]

answers = st.builds(
    lambda index, room, round_index, most, more, at: Feedback(
        id=f"f{index}",
        event_id="e",
        room_id=room,
        link_id=f"l{index}",
        team_id=None,
        round_index=round_index,
        role="inquiry",
        most_useful=most,
        more_useful=more,
        version=1,
        updated_by="member:x",
        created_at=at,
        updated_at=at,
    ),
    st.integers(0, 10_000),
    st.sampled_from([*ROOMS, "gone"]),
    st.integers(0, 1),
    st.text(max_size=20),
    st.text(max_size=20),
    st.floats(0, 1e6),
)


@given(st.lists(answers, max_size=40, unique_by=lambda f: f.id))
def test_every_response_counts_once_in_its_room_and_round(feedback: list[Feedback]) -> None:
    summary = summarise(feedback, ROOMS)
    kept = [f for f in feedback if f.room_id in ROOMS]
    assert [room.room_id for room in summary.rooms] == ROOMS
    assert summary.responses == len(kept)
    assert summary.rooms_answered == len({f.room_id for f in kept})
    for room in summary.rooms:
        mine = [f for f in kept if f.room_id == room.room_id]
        assert room.responses == len(mine)
        assert sum(room.by_round.values()) == room.responses
        for round_index, count in room.by_round.items():
            assert count == sum(1 for f in mine if f.round_index == round_index)
        ordered = sorted(mine, key=lambda f: (f.created_at, f.id))
        assert room.most_useful == [f.most_useful.strip() for f in ordered if f.most_useful.strip()]
        assert room.more_useful == [f.more_useful.strip() for f in ordered if f.more_useful.strip()]


def test_a_room_nobody_answered_is_listed_with_nothing() -> None:
    summary = summarise([], ROOMS)
    assert summary.responses == 0
    assert summary.rooms_answered == 0
    assert [room.responses for room in summary.rooms] == [0, 0, 0]
