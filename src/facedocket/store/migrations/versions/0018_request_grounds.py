"""Requests hold what newer laws ask of them: the authorised use they name (Virginia's
closed list), the written statements to a legal standard (Utah's "fair probability"
narrative), and the body that screens them first where intake has two stages (Maine).

Older requests hold none of these: their policies asked for none.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=63), nullable=True))
        batch_op.add_column(sa.Column("statements", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("intake_body_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_requests_intake_body_id_agencies"),
            "agencies",
            ["intake_body_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_requests_intake_body_id"), ["intake_body_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_intake_body_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_requests_intake_body_id_agencies"), type_="foreignkey"
        )
        batch_op.drop_column("intake_body_id")
        batch_op.drop_column("statements")
        batch_op.drop_column("purpose")
