"""Baseline: the schema of the first release, as its ``create_all`` made it.

A database written by that release has these tables and no alembic version;
``server.store.migrate`` marks it as being at this revision before upgrading.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("protocol_id", sa.String(), nullable=False),
        sa.Column("scheduled_start", sa.Float(), nullable=False),
        sa.Column("main_room_at", sa.Float(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("recall_deadline", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("event_pkey")),
    )
    op.create_table(
        "command_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("version_before", sa.Integer(), nullable=True),
        sa.Column("version_after", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("command_log_pkey")),
    )
    op.create_index(op.f("ix_command_log_event_id"), "command_log", ["event_id"])
    op.create_index(op.f("ix_command_log_room_id"), "command_log", ["room_id"])
    op.create_table(
        "help_request",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=False),
        sa.Column("round_index", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("help_request_pkey")),
    )
    op.create_index(op.f("ix_help_request_event_id"), "help_request", ["event_id"])
    op.create_table(
        "team",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("challenge", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("team_event_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("team_pkey")),
    )
    op.create_index(op.f("ix_team_event_id"), "team", ["event_id"])
    op.create_table(
        "room",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("video_room", sa.String(), nullable=False),
        sa.Column("moderator_name", sa.String(), nullable=False),
        sa.Column("team_ids", sa.JSON(), nullable=False),
        sa.Column("state_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("next_due", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("room_event_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("room_pkey")),
    )
    op.create_index(op.f("ix_room_next_due"), "room", ["next_due"])
    op.create_index(op.f("ix_room_event_id"), "room", ["event_id"])
    op.create_table(
        "access_token",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=True),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("access_token_event_id_fkey")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("access_token_pkey")),
    )
    op.create_index(op.f("ix_access_token_event_id"), "access_token", ["event_id"])


def downgrade() -> None:
    for table in ("access_token", "room", "team", "help_request", "command_log", "event"):
        op.drop_table(table)
