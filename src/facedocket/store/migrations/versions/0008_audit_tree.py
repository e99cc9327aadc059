"""The RFC 9162 Merkle tree over the audit record, built over the entries already written.

Adds ``audit_tree_nodes`` (the complete subtrees' hashes, append-only like the entries)
and ``audit_checkpoints.note`` (the C2SP tlog-checkpoint form of a checkpoint). The old
hash chain is untouched and still verified: the tree is a second, independent binding.

The leaves are the entries' export lines (docs/tlog.md, format v1), which the audit
package writes; the migration uses that code rather than a frozen copy because the format
is a published interface that no version may change. An entry tampered with before the
upgrade goes into the tree as stored, and ``audit verify`` still names it by its chain.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from facedocket.audit.export import export_entries
from facedocket.audit.log import ENTRY_COLUMNS_V1
from facedocket.audit.tree import build

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "audit_tree_nodes"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_tree_nodes")),
    )
    # Plain ADD COLUMN: batch mode would copy the table and lose its triggers (see 0002).
    op.add_column("audit_checkpoints", sa.Column("note", sa.Text(), nullable=True))
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
    _build_tree()


def _build_tree() -> None:
    session = Session(bind=op.get_bind())
    build(
        session, (line.rstrip(b"\n") for line in export_entries(session, columns=ENTRY_COLUMNS_V1))
    )
    session.flush()


def downgrade() -> None:
    op.drop_column("audit_checkpoints", "note")
    op.drop_table(TABLE)
