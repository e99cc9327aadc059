"""Searches declared unlawful whose results the law had deleted: the tombstones (Maine).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "unlawful_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("search_run_at", when, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("declared_at", when, nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("conclusions", sa.Integer(), nullable=False),
        sa.Column("candidates_sha256", sa.String(length=64), nullable=True),
        sa.Column("deleted_sha256", sa.String(length=64), nullable=False),
        sa.Column("search_entry_seq", sa.BigInteger(), nullable=True),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_unlawful_deletions_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["search_id"], ["searches.id"], name=op.f("fk_unlawful_deletions_search_id_searches")
        ),
        sa.ForeignKeyConstraint(
            ["declared_by_id"],
            ["users.id"],
            name=op.f("fk_unlawful_deletions_declared_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unlawful_deletions")),
        sa.UniqueConstraint("search_id", name=op.f("uq_unlawful_deletions_search_id")),
    )
    op.create_index("ix_unlawful_deletions_request_id", "unlawful_deletions", ["request_id"])


def downgrade() -> None:
    op.drop_table("unlawful_deletions")
