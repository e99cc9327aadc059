"""An index on templates (gallery_id, model_id, id) in place of the one on gallery_id.

Before each search the gate counts a gallery's templates of one model and reads the newest
id; at a state's 20 million rows that must come from an index, not a table scan. The
composite index starts with gallery_id, so the single-column index it replaces is
redundant.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain index statements, which SQLite runs in place: batch mode would copy the table.
    op.create_index("ix_templates_gallery_model_id", "templates", ["gallery_id", "model_id", "id"])
    op.drop_index("ix_templates_gallery_id", table_name="templates")


def downgrade() -> None:
    op.create_index("ix_templates_gallery_id", "templates", ["gallery_id"])
    op.drop_index("ix_templates_gallery_model_id", table_name="templates")
