"""Single sign-on: the administrator's claim-to-role mappings, and which user each
provider subject is.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "oidc_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("agency_code", sa.String(length=63), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_mappings")),
        sa.UniqueConstraint(
            "provider", "value", "role", name=op.f("uq_oidc_mappings_provider_value_role")
        ),
    )
    op.create_table(
        "federated_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_federated_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federated_identities")),
        sa.UniqueConstraint(
            "provider", "subject", name=op.f("uq_federated_identities_provider_subject")
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_federated_identities_user_id")),
    )


def downgrade() -> None:
    op.drop_table("federated_identities")
    op.drop_table("oidc_mappings")
