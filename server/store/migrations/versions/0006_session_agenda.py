"""The session's agenda: main-room segments around the breakouts, and where it stands.

- agenda: one row per event: its segments (JSON: id, title, seconds, kind
  "main" or "breakouts", in order), where the session stands (JSON: the
  current segment, when it started, time added, pauses) and a version for
  compare-and-set. Every existing event gets the default agenda, not started.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DEFAULT_SEGMENTS = [
    {"id": "welcome", "title": "Welcome", "seconds": 600, "kind": "main"},
    {"id": "breakouts", "title": "Breakout rooms", "seconds": 0, "kind": "breakouts"},
    {"id": "debrief", "title": "Whole-group debrief", "seconds": 900, "kind": "main"},
    {"id": "close", "title": "Close", "seconds": 300, "kind": "main"},
]
"""As ``server.domain.agenda.DEFAULT_SEGMENTS`` was when this migration was written."""
NOT_STARTED = {"index": -1, "started_at": None, "added": 0.0, "paused_at": None, "paused": 0.0}


def upgrade() -> None:
    agenda = op.create_table(
        "agenda",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name="agenda_event_id_fkey", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name="agenda_pkey"),
    )
    bind = op.get_bind()
    events = [row[0] for row in bind.execute(sa.text("SELECT id FROM event"))]
    if events:
        op.bulk_insert(
            agenda,
            [
                {
                    "event_id": event_id,
                    "segments": json.loads(json.dumps(DEFAULT_SEGMENTS)),
                    "state": dict(NOT_STARTED),
                    "version": 0,
                }
                for event_id in events
            ],
        )


def downgrade() -> None:
    op.drop_table("agenda")
