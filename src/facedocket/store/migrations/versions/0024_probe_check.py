"""A probe keeps the check made when it was attached: the faces found and each one's
distance between the eyes, beside the policy's floor (``cases.probes``). Probes attached
before were checked only by a search: they have none.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as table:
        table.add_column(sa.Column("probe_check", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as table:
        table.drop_column("probe_check")
