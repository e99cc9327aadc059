"""Each request names the searching body it is made to.

The law names the body a request goes to (the Registry, the State Police or the FBI in
Massachusetts); only that body's intake, examiners and supervisors act on it. Requests
written before this column existed get the body that already acted on them (the agency of
the first search's examiner, else of the person who decided the request); a request that
no body has touched yet keeps none, and is seen only by its officer and oversight.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
UPDATE requests SET searching_body_id = COALESCE(
    (SELECT s.searching_agency_id FROM searches s WHERE s.request_id = requests.id
     ORDER BY s.id LIMIT 1),
    (SELECT u.agency_id FROM users u WHERE u.id = requests.decided_by_id)
)
"""


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("searching_body_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_requests_searching_body_id_agencies"),
            "agencies",
            ["searching_body_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_requests_searching_body_id"), ["searching_body_id"], unique=False
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_searching_body_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_requests_searching_body_id_agencies"), type_="foreignkey"
        )
        batch_op.drop_column("searching_body_id")
