"""Versions for events and help requests, seats, statuses as checked enums, foreign keys,
and the rehearsal clock's anchor.

- event: ``version`` and the last event-level change (``last_action``, ``last_by``,
  ``last_at``); ``setup_version``, which grows with every change of its teams,
  rooms and links; ``status`` checked against its four values.
- seat: a room's teams, one row per seat, moved out of ``room.team_ids`` (a JSON
  list no foreign key could check); a team sits in at most one room.
- help_request: ``version`` and ``resolved_by``; ``status`` checked.
- access_token: ``role`` checked; its room and team are foreign keys.
- Every event-owned row refers to its event with ON DELETE CASCADE; log rows
  keep their history when a room goes (SET NULL).
- clock_anchor: where a rehearsal clock stands, so it survives a restart.

Run states are not rewritten: the codec reads their format and upgrades on read.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def _values(*values: str) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _batch(table: str) -> Any:
    return op.batch_alter_table(table, recreate="auto", naming_convention=NAMING)


def _refer_to_event_with_cascade(batch: Any, table: str) -> None:
    batch.drop_constraint(op.f(f"{table}_event_id_fkey"), type_="foreignkey")
    batch.create_foreign_key(
        op.f(f"{table}_event_id_fkey"), "event", ["event_id"], ["id"], ondelete="CASCADE"
    )


def upgrade() -> None:
    with _batch("event") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_action", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_by", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_at", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("setup_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.alter_column("status", type_=sa.String(16), existing_nullable=False)
        batch.create_check_constraint(
            op.f("ck_event_status"),
            f"status IN ({_values('setup', 'running', 'recalling', 'main_room')})",
        )

    with _batch("team") as batch:
        _refer_to_event_with_cascade(batch, "team")

    op.create_table(
        "seat",
        sa.Column("room_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("seat_room_id_fkey"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("seat_team_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("room_id", "position", name=op.f("seat_pkey")),
        sa.UniqueConstraint("team_id", name=op.f("seat_team_id_key")),
    )
    _move_team_ids_to_seats()
    with _batch("room") as batch:
        _refer_to_event_with_cascade(batch, "room")
        batch.drop_column("team_ids")

    with _batch("access_token") as batch:
        _refer_to_event_with_cascade(batch, "access_token")
        batch.alter_column("role", type_=sa.String(16), existing_nullable=False)
        batch.create_check_constraint(
            op.f("ck_access_token_role"),
            f"role IN ({_values('uber', 'moderator', 'member', 'observer')})",
        )
        batch.create_foreign_key(
            op.f("access_token_room_id_fkey"), "room", ["room_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            op.f("access_token_team_id_fkey"), "team", ["team_id"], ["id"], ondelete="CASCADE"
        )

    with _batch("command_log") as batch:
        batch.create_foreign_key(
            op.f("command_log_event_id_fkey"), "event", ["event_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            op.f("command_log_room_id_fkey"), "room", ["room_id"], ["id"], ondelete="SET NULL"
        )

    with _batch("help_request") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("resolved_by", sa.String(), nullable=False, server_default=""))
        batch.alter_column("status", type_=sa.String(16), existing_nullable=False)
        batch.create_check_constraint(
            op.f("ck_help_request_status"), f"status IN ({_values('open', 'claimed', 'resolved')})"
        )
        batch.create_foreign_key(
            op.f("help_request_event_id_fkey"), "event", ["event_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            op.f("help_request_room_id_fkey"), "room", ["room_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_help_request_room_id"), ["room_id"])

    op.create_table(
        "clock_anchor",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("real_at", sa.Float(), nullable=False),
        sa.Column("protocol_at", sa.Float(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("clock_anchor_pkey")),
    )


def _move_team_ids_to_seats() -> None:
    """One seat row per entry of each room's team list, at the same position. A team
    listed in two rooms (the first release could not prevent it) keeps its seat in the
    room that comes first in its event; the other seat stays empty, and the teams after
    it keep their seats (and so their roles)."""
    bind = op.get_bind()
    room = sa.table(
        "room",
        sa.column("id", sa.String()),
        sa.column("event_id", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("team_ids", sa.JSON()),
    )
    team = sa.table("team", sa.column("id", sa.String()))
    known = {row[0] for row in bind.execute(sa.select(team.c.id))}
    seats: list[dict[str, Any]] = []
    seated: set[str] = set()
    in_order = sa.select(room.c.id, room.c.team_ids).order_by(
        room.c.event_id, room.c.position, room.c.id
    )
    for room_id, team_ids in bind.execute(in_order):
        if isinstance(team_ids, str):
            team_ids = json.loads(team_ids)
        for position, team_id in enumerate(team_ids or []):
            if team_id in known and team_id not in seated:
                seats.append({"room_id": room_id, "position": position, "team_id": team_id})
                seated.add(team_id)
    if seats:
        seat = sa.table(
            "seat",
            sa.column("room_id", sa.String()),
            sa.column("position", sa.Integer()),
            sa.column("team_id", sa.String()),
        )
        op.bulk_insert(seat, seats)


def downgrade() -> None:
    raise NotImplementedError("the schema only moves forward; restore a backup to go back")
