"""Notes, final-thoughts feedback, and the consent to keep what people write.

- note: one per owner (a team, or a moderator's or observer's link), room, round
  and phase, with its text, whether it is shared with the pair, and a version.
- feedback: one per link, room and round: what was most useful, what could have
  been more useful, and a version.
- team: ``emails``, its members' addresses (a JSON list, empty for every team so
  far), for the video platform's room assignment.
- form_response: one link's answers to one reflection form in an event (JSON),
  versioned.
- room_request: a participant's "one more minute" or "we are done", and the
  moderator's answer (kind and status checked against their values), versioned.
- access_token: ``consented_at``, when the link's holder accepted the notice.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def _batch(table: str) -> Any:
    return op.batch_alter_table(table, recreate="auto", naming_convention=NAMING)


def upgrade() -> None:
    op.create_table(
        "note",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.Column("round_index", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("note_event_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("note_room_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("note_team_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("note_pkey")),
        sa.UniqueConstraint(
            "room_id", "owner", "round_index", "phase_id", name=op.f("note_room_id_key")
        ),
    )
    op.create_index(op.f("ix_note_event_id"), "note", ["event_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=False),
        sa.Column("link_id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.Column("round_index", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("most_useful", sa.String(), nullable=False),
        sa.Column("more_useful", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("feedback_event_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("feedback_room_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("feedback_team_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("feedback_pkey")),
        sa.UniqueConstraint("room_id", "link_id", "round_index", name=op.f("feedback_room_id_key")),
    )
    op.create_index(op.f("ix_feedback_event_id"), "feedback", ["event_id"])
    op.create_table(
        "room_request",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=False),
        sa.Column("round_index", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("link_id", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("decided_at", sa.Float(), nullable=True),
        sa.CheckConstraint("kind IN ('more_time', 'done')", name=op.f("ck_room_request_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'declined')", name=op.f("ck_room_request_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("room_request_event_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("room_request_room_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("room_request_pkey")),
    )
    op.create_index(op.f("ix_room_request_event_id"), "room_request", ["event_id"])
    op.create_table(
        "form_response",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("form_id", sa.String(), nullable=False),
        sa.Column("link_id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.Column("room_id", sa.String(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("form_response_event_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("form_response_team_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("form_response_room_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("form_response_pkey")),
        sa.UniqueConstraint(
            "event_id", "form_id", "link_id", name=op.f("form_response_event_id_key")
        ),
    )
    op.create_index(op.f("ix_form_response_event_id"), "form_response", ["event_id"])
    with _batch("access_token") as batch:
        batch.add_column(sa.Column("consented_at", sa.Float(), nullable=True))
    with _batch("team") as batch:
        batch.add_column(sa.Column("emails", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    raise NotImplementedError("the schema only moves forward; restore a backup to go back")
