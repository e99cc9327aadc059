"""The per-subject chain inside the record (entry format v2, docs/tlog.md).

Adds ``audit_entries.subject_prev_hash``: every entry written from now on also carries the
hash of the last entry before it about the same subject (a case is the subject
``request`` N). Entries already written keep format v1 and their hashes: they are never
rewritten (the table is append-only), the hash chain and the Merkle tree over them are
unchanged, and the first v2 entry of a subject links to the subject's last v1 entry.

The subject index gains ``seq`` so that an append finds its subject's last entry, and a
case's entries are read in order, from the index alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: batch mode would copy the table and lose its
    # append-only triggers (see 0002).
    op.add_column("audit_entries", sa.Column("subject_prev_hash", sa.String(64), nullable=True))
    op.create_index(
        "ix_audit_entries_subject_seq", "audit_entries", ["subject_type", "subject_id", "seq"]
    )
    op.drop_index("ix_audit_entries_subject", table_name="audit_entries")


def downgrade() -> None:
    linked = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM audit_entries WHERE subject_prev_hash IS NOT NULL")
    )
    if linked:
        # Dropping the column would leave those entries unverifiable: their hashes cover it.
        raise RuntimeError(
            f"{linked} entries carry a per-subject link (format v2): the record cannot be "
            "taken back to before migration 0014"
        )
    op.create_index("ix_audit_entries_subject", "audit_entries", ["subject_type", "subject_id"])
    op.drop_index("ix_audit_entries_subject_seq", table_name="audit_entries")
    op.drop_column("audit_entries", "subject_prev_hash")
