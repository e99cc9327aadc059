"""Governance: training records, the algorithm register, legal holds, purges.

No audit table is touched, so the append-only triggers of 0002 stay as they are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 13:07:54.039240
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.JSON(), nullable=False),
        sa.Column("accuracy_sha256", sa.String(length=64), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_model_register_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["face_models.id"], name=op.f("fk_model_register_model_id_face_models")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_model_register_registered_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_register")),
        sa.UniqueConstraint("model_id", name=op.f("uq_model_register_model_id")),
    )
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_training_records_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_records_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_records_user_id"), ["user_id"], unique=False)

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_legal_holds_released_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_legal_holds_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_legal_holds_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_request_id"), ["request_id"], unique=False)

    op.create_table(
        "purges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=30), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("search_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("retained_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_by_id", sa.Integer(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_purges_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["purged_by_id"], ["users.id"], name=op.f("fk_purges_purged_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_purges_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["search_id"], ["searches.id"], name=op.f("fk_purges_search_id_searches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purges")),
    )
    with op.batch_alter_table("purges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purges_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purges_search_id"), ["search_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("purges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purges_search_id"))
        batch_op.drop_index(batch_op.f("ix_purges_request_id"))

    op.drop_table("purges")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_request_id"))

    op.drop_table("legal_holds")
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_records_user_id"))

    op.drop_table("training_records")
    op.drop_table("model_register")
