"""A team's state: the state, region or network it belongs to.

- team: ``state``, free text (empty for every team so far, and for a team
  that gives none). Not part of a team's identity, which stays its name and
  organisation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
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
    with _batch("team") as batch:
        batch.add_column(sa.Column("state", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with _batch("team") as batch:
        batch.drop_column("state")
