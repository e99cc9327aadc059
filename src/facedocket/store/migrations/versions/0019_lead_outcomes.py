"""What followed a lead: arrests, charges, convictions or none, recorded over time, for
the laws whose reports count them (Montana); and when a request was concluded, from which
a first outcome is due. Requests concluded before have no such time: none is overdue.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as table:
        table.add_column(sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "lead_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_lead_outcomes_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_lead_outcomes_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_outcomes")),
    )
    op.create_index("ix_lead_outcomes_request_id", "lead_outcomes", ["request_id"])


def downgrade() -> None:
    op.drop_table("lead_outcomes")
    with op.batch_alter_table("requests") as table:
        table.drop_column("concluded_at")
