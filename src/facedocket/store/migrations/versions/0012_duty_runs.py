"""Scheduled duties: the last and next run of each, locked by the worker that runs it;
and when an emergency request was marked overdue for its sworn statement.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "duty_runs",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("next_at", when, nullable=True),
        sa.Column("last_started_at", when, nullable=True),
        sa.Column("last_ended_at", when, nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("last_details", sa.JSON(), nullable=True),
        sa.Column("last_worker", sa.String(length=200), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_duty_runs")),
    )
    with op.batch_alter_table("legal_bases") as table:
        table.add_column(sa.Column("statement_overdue_at", when, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("legal_bases") as table:
        table.drop_column("statement_overdue_at")
    op.drop_table("duty_runs")
