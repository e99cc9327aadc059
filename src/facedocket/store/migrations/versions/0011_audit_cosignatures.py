"""Witnesses' cosignatures of checkpoints, and each witness's last answer.

``audit_cosignatures`` is part of the record, append-only like the checkpoints it
cosigns (a cosignature is evidence an outsider gave; nobody may take it back).
``audit_witness_status`` is bookkeeping: when each witness was last asked and what went
wrong, so that a witness that is down shows as a gap.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "audit_cosignatures"


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", when, nullable=False),
        sa.Column("received_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoints.id"],
            name=op.f("fk_audit_cosignatures_checkpoint_id_audit_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cosignatures")),
        sa.UniqueConstraint(
            "checkpoint_id",
            "witness",
            "key_id",
            name=op.f("uq_audit_cosignatures_checkpoint_id_witness_key_id"),
        ),
    )
    op.create_index(op.f("ix_audit_cosignatures_witness"), TABLE, ["witness"], unique=False)
    op.create_table(
        "audit_witness_status",
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("tried_at", when, nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("witness", name=op.f("pk_audit_witness_status")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{operation.lower()} BEFORE {operation} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    op.drop_table("audit_witness_status")
    op.drop_index(op.f("ix_audit_cosignatures_witness"), table_name=TABLE)
    op.drop_table(TABLE)
