"""The algorithm register holds per-group accuracy figures: for each model file, what was
measured in each demographic group, by whom (NIST, an independent laboratory or the
agency), with the report it comes from; a pack's floor is checked against them before a
search (Virginia: NIST, at least 98 % true positives across all demographic groups).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_group_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=63), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=12), nullable=False),
        sa.Column("evaluator", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["face_models.id"],
            name=op.f("fk_model_group_figures_model_id_face_models"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_model_group_figures_entered_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_group_figures")),
    )
    op.create_index(
        op.f("ix_model_group_figures_model_id"), "model_group_figures", ["model_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_model_group_figures_model_id"), table_name="model_group_figures")
    op.drop_table("model_group_figures")
