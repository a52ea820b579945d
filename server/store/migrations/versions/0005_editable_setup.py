"""An editable setup: rooms with a video-call link, seats with a fixed role.

- room: ``video_url``, the room's video-call link (http or https; empty when none).
- seat: ``role``, a protocol role the team in that seat keeps in every round (a
  team beyond the protocol's seats: an extra inquiry team, an outer circle, a team
  seated as observers); NULL for a seat whose role follows the protocol's rotation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
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
    with _batch("room") as batch:
        batch.add_column(sa.Column("video_url", sa.String(), nullable=False, server_default=""))
    with _batch("seat") as batch:
        batch.add_column(sa.Column("role", sa.String(), nullable=True))


def downgrade() -> None:
    with _batch("seat") as batch:
        batch.drop_column("role")
    with _batch("room") as batch:
        batch.drop_column("video_url")
