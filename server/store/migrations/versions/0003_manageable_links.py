"""Links that can be listed, revoked, rotated and watched.

- access_token: ``id``, a public name for the link (lists, revocation, logs),
  unique, given to every existing link; ``may_mint_uber`` (an uber link the
  admin allowed to make uber links); ``revoked_at``/``revoked_by`` and
  ``replaced_by`` (the link a rotation issued instead); ``last_seen_at`` and
  ``online_until``, observed while links are used.

Existing links keep working: none is revoked, none may mint uber links.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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
    with _batch("access_token") as batch:
        batch.add_column(sa.Column("id", sa.String(), nullable=True))
        batch.add_column(
            sa.Column("may_mint_uber", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("revoked_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("replaced_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("last_seen_at", sa.Float(), nullable=True))
        batch.add_column(sa.Column("online_until", sa.Float(), nullable=True))

    bind = op.get_bind()
    token = sa.table("access_token", sa.column("token_hash", sa.String()), sa.column("id"))
    for (token_hash,) in bind.execute(sa.select(token.c.token_hash)).all():
        bind.execute(
            token.update().where(token.c.token_hash == token_hash).values(id=secrets.token_hex(6))
        )

    with _batch("access_token") as batch:
        batch.alter_column("id", existing_type=sa.String(), nullable=False)
        batch.create_unique_constraint(op.f("access_token_id_key"), ["id"])


def downgrade() -> None:
    raise NotImplementedError("the schema only moves forward; restore a backup to go back")
