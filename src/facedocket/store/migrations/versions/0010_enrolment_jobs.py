"""Enrolment jobs in the database, so they survive restarts of the service and workers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "enrolment_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gallery", sa.String(length=100), nullable=False),
        sa.Column("active_gallery", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("wanted", sa.String(length=20), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("heartbeat_at", when, nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("run_started_at", when, nullable=True),
        sa.Column("run_started_done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("unreadable", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("report_path", sa.String(length=1000), nullable=True),
        sa.Column("finished_at", when, nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_jobs")),
        sa.UniqueConstraint("active_gallery", name=op.f("uq_enrolment_jobs_active_gallery")),
    )
    op.create_index("ix_enrolment_jobs_gallery", "enrolment_jobs", ["gallery"])
    op.create_index("ix_enrolment_jobs_state", "enrolment_jobs", ["state"])


def downgrade() -> None:
    op.drop_table("enrolment_jobs")
