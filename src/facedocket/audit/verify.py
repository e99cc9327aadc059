"""Checking the record: recompute the chain from entry 1 and name the first thing wrong.

The chain alone proves that nothing was changed *unless* the attacker recomputed every
hash after the change, which anyone who reads this code can do. Signed checkpoints close
that gap: a rewritten record no longer matches the head hash signed before the rewrite.
So the oversight office should keep the checkpoints (and the public key) it is sent, and
verify against its own copy; entries after the last checkpoint are protected only by the
chain until the next one is signed; every result says how many those are
(``uncovered``), so an auditor knows how much of the record only the chain protects.

The same walk (``walk``) serves the database (``verify``) and an export
(``verify_entries``), so an auditor's result and the agency's result cannot differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit.history import KeyHistory, Keys, listed
from facedocket.audit.log import head, rotation_entries, stored_checkpoints, stored_entries
from facedocket.audit.merkle import CompactRange
from facedocket.audit.result import Problem, VerifyResult
from facedocket.audit.subjects import Earlier, SubjectChains
from facedocket.audit.tree import StoredTreeCheck, TreeError, right_edge
from facedocket.audit.walk import Walk
from facedocket.store.schema import AuditEntry

__all__ = ["Problem", "VerifyResult", "verify", "verify_entries"]


def verify(
    session: Session,
    public_key: Keys = None,
    *,
    since: Mapping[str, Any] | None = None,
) -> VerifyResult:
    """Verify the whole record in the database, with checkpoint signatures if given a key
    (or several: a key history; the record's own rotations link the others, ``history``).

    Entries appended while this runs are verified too; the head row is read first, so it
    never claims more than the entries read after it. ``since`` (a stored checkpoint, its
    signature checked with the key) verifies only the entries after it: for signing the
    next checkpoint without a pass over everything the last one already covers.
    """
    head_seq, head_hash = head(session)
    first = int(since["seq"]) + 1 if since is not None else 1
    subjects = SubjectChains(from_start=first == 1, earlier=_earlier_in(session, first))
    try:
        edge = right_edge(session, first - 1)
    except TreeError as error:
        walk = Walk([], KeyHistory([]), first, subjects=subjects)
        return walk.fail(Problem.TREE, first, str(error))
    rotations = rotation_entries(session)
    keys = KeyHistory(listed(public_key), [entry["details"] for entry in rotations])
    for entry in rotations:
        if entry["seq"] < first:
            keys.learn(entry)  # vouched for by the anchor's signature, as the entries are
    walk = Walk(
        stored_checkpoints(session),
        keys,
        first,
        subjects=subjects,
        anchor=since,
        edge=edge,
        tree=StoredTreeCheck(session, first - 1),
    )
    result = walk.run(stored_entries(session, first=first))
    if not result.ok:
        return result
    if result.last_seq < head_seq:
        return walk.fail(
            Problem.DELETED,
            result.last_seq + 1,
            f"the head row counts {head_seq} entries but the record ends at "
            f"{result.last_seq}: entries were deleted from the end",
        )
    if walk.seen.get(head_hash) != head_seq:
        first = walk.anchored + 1
        return walk.fail(
            Problem.EDITED,
            first,
            f"the head row holds another hash for entry {head_seq}: the record from "
            f"{first} to {head_seq} (or the head row) was rewritten",
        )
    return result


def verify_entries(
    entries: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Mapping[str, Any]],
    public_key: Keys,
    *,
    first_seq: int = 1,
    announced: Iterable[Mapping[str, Any]] = (),
) -> VerifyResult:
    """Verify exported entries (e.g. read from JSON Lines) without the database.

    ``first_seq`` above 1 verifies a slice; its first entry's link, and the first link of
    each subject's chain in it, are then taken on trust, and checkpoints before the slice
    cannot be checked. Pass checkpoints up to the end of the slice only: one beyond it
    reads as entries deleted from the end. ``announced``: the details of the export's
    ``record.key_rotated`` entries read ahead, so that given the newest key only, older
    checkpoints are checked with the keys it replaced.
    """
    edge = CompactRange() if first_seq == 1 else None
    subjects = SubjectChains(from_start=first_seq == 1)
    keys = KeyHistory(listed(public_key), announced)
    walk = Walk(checkpoints, keys, first_seq, subjects=subjects, edge=edge)
    return walk.run(iter(entries))


def _earlier_in(session: Session, first: int) -> Earlier:
    """A subject's last entry before entry ``first``, read from the subject index."""

    def earlier(subject_type: str, subject_id: str) -> tuple[int, str] | None:
        row = session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash)
            .where(
                AuditEntry.subject_type == subject_type,
                AuditEntry.subject_id == subject_id,
                AuditEntry.seq < first,
            )
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    return earlier
