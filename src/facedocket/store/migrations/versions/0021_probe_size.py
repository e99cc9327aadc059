"""Searches hold the size of the probe image their face box is measured in, so the sheet
can draw the box over the probe and show the face close up.

Older searches have the box without the size: their sheet says the box cannot be drawn.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probe_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("probe_height", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.drop_column("probe_height")
        batch_op.drop_column("probe_width")
