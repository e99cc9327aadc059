"""TOTP seeds are stored sealed (a Fernet token, 140 characters), wider than a plain seed.

The seeds themselves are sealed by the service when it starts (``seal_plain_seeds``): the
key lives in the deployment's settings, which a migration does not read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("totp_secrets") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )


def downgrade() -> None:
    with op.batch_alter_table("totp_secrets") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
