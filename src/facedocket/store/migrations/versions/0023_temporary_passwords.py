"""A password an administrator set (a new account, a reset) is temporary: its user must
change it at their next sign-in before doing anything else.

Passwords set before this revision are taken as the users' own.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_passwords", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("temporary", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("user_passwords", schema=None) as batch_op:
        batch_op.drop_column("temporary")
