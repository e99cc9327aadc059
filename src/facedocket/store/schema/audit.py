"""The audit record: a hash chain of entries, its head, and signed checkpoints.

The tables are append-only; the migration adds database triggers that refuse UPDATE and
DELETE on entries and checkpoints, so a correction or a purge is always a new entry.
The chain itself is written only through ``facedocket.audit.append``.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facedocket.store.schema.base import Base

# The previous hash of entry 1: the chain starts from a fixed, published value.
GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One recorded action: who did what to which record, under which policy."""

    __tablename__ = "audit_entries"
    # By subject, then number: an append finds its subject's last entry, and a case's
    # entries are read in order, from this index alone.
    __table_args__ = (Index("ix_audit_entries_subject_seq", "subject_type", "subject_id", "seq"),)

    # Assigned by ``append`` from the head row, never by the database: gap-free from 1.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]
    policy_id: Mapped[str | None] = mapped_column(String(100))
    policy_version: Mapped[str | None] = mapped_column(String(50))
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The entry_hash of the subject's entry before this one (format v2, docs/tlog.md);
    # None on the v1 entries written before migration 0014.
    subject_prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The one row naming the last entry; appenders lock it to take the next number.

    Verification does not trust it: it only helps to notice a truncated tail.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """An Ed25519 signature over (seq, head hash, time): the chain as it stood then."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # The same moment as a C2SP tlog-checkpoint signed note over the Merkle tree (origin,
    # size, root, signature lines); None on checkpoints signed before the tree existed.
    note: Mapped[str | None] = mapped_column(Text)
    cosignatures: Mapped[list["AuditCosignature"]] = relationship(
        order_by="AuditCosignature.id", lazy="selectin", viewonly=True
    )

    @property
    def cosigned_note(self) -> str | None:
        """The note as it is read everywhere: the agency's signature, then every witness's
        cosignature line received since (the row itself is never updated)."""
        if self.note is None:
            return None
        return self.note + "".join(cosignature.line for cosignature in self.cosignatures)


class AuditCosignature(Base):
    """A witness's C2SP tlog-cosignature line over a checkpoint's note, checked with the
    witness's configured key before it was stored; append-only (migration 0011)."""

    __tablename__ = "audit_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"))
    witness: Mapped[str] = mapped_column(String(200), index=True)
    key_id: Mapped[str] = mapped_column(String(8))
    line: Mapped[str] = mapped_column(Text)
    cosigned_at: Mapped[datetime]  # the time the witness wrote into its cosignature
    received_at: Mapped[datetime]


class WitnessStatus(Base):
    """When each witness was last asked, and what stopped it cosigning (None: nothing)."""

    __tablename__ = "audit_witness_status"

    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    tried_at: Mapped[datetime]
    problem: Mapped[str | None] = mapped_column(Text)


class AuditTreeNode(Base):
    """A complete subtree of the RFC 9162 Merkle tree over the entries, written once.

    Node (level, idx) covers entries ``idx * 2**level + 1`` to ``(idx + 1) * 2**level``;
    level 0 holds the leaf hashes. Append-only like the entries (see migration 0008).
    """

    __tablename__ = "audit_tree_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
