"""Checking the record: recompute the chain from entry 1 and name the first thing wrong.

The chain alone proves that nothing was changed *unless* the attacker recomputed every
hash after the change, which anyone who reads this code can do. Signed checkpoints close
that gap: a rewritten record no longer matches the head hash signed before the rewrite.
So the oversight office should keep the checkpoints (and the public key) it is sent, and
verify against its own copy; entries after the last checkpoint are protected only by the
chain until the next one is signed; every result says how many those are
(``uncovered``), so an auditor knows how much of the record only the chain protects.

The same walk serves the database (``verify``) and an export (``verify_entries``), so an
auditor's result and the agency's result cannot differ.
"""

from __future__ import annotations

import base64
import binascii
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from facedocket.audit.canonical import (
    AuditFormatError,
    checkpoint_message,
    checkpoint_shape_problem,
    entry_bytes,
    entry_hash,
    entry_shape_problem,
)
from facedocket.audit.keys import fingerprint
from facedocket.audit.log import head, stored_checkpoints, stored_entries
from facedocket.audit.merkle import CompactRange, leaf_hash
from facedocket.audit.note import checkpoint_note_problem
from facedocket.audit.tree import StoredTreeCheck, TreeError, right_edge
from facedocket.store.schema.audit import GENESIS_HASH


class Problem(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    MALFORMED = "malformed"
    CHECKPOINT = "checkpoint"
    TREE = "tree"


@dataclass(frozen=True)
class VerifyResult:
    """What verification found: all good, or the first bad entry and why."""

    ok: bool
    entries: int
    checkpoints: int
    signatures_checked: bool
    last_seq: int
    last_hash: str
    # Entries after the last checkpoint that matched: protected by the chain alone.
    uncovered: int = 0
    # The RFC 9162 root (hex) over the entries verified, recomputed from them; "" for a
    # slice, whose earlier entries were not read.
    tree_root: str = ""
    problem: Problem | None = None
    first_bad: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if not self.ok:
            return f"entry {self.first_bad}: {self.problem}: {self.reason}"
        signed = (
            "signatures checked"
            if self.signatures_checked
            else "signatures NOT checked (no public key)"
        )
        return (
            f"intact: {self.entries} entries up to {self.last_seq}, "
            f"{self.checkpoints} checkpoints match, {signed}; "
            f"{self.uncovered} entries covered by no checkpoint"
        )


def verify(
    session: Session,
    public_key: Ed25519PublicKey | None = None,
    *,
    since: Mapping[str, Any] | None = None,
) -> VerifyResult:
    """Verify the whole record in the database, with checkpoint signatures if given a key.

    Entries appended while this runs are verified too; the head row is read first, so it
    never claims more than the entries read after it. ``since`` (a stored checkpoint, its
    signature checked with the key) verifies only the entries after it: for signing the
    next checkpoint without a pass over everything the last one already covers.
    """
    head_seq, head_hash = head(session)
    first = int(since["seq"]) + 1 if since is not None else 1
    try:
        edge = right_edge(session, first - 1)
    except TreeError as error:
        return _Walk([], None, first).fail(Problem.TREE, first, str(error))
    walk = _Walk(stored_checkpoints(session), public_key, first, anchor=since, edge=edge)
    walk.tree = StoredTreeCheck(session, first - 1)
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
    public_key: Ed25519PublicKey | None,
    *,
    first_seq: int = 1,
) -> VerifyResult:
    """Verify exported entries (e.g. read from JSON Lines) without the database.

    ``first_seq`` above 1 verifies a slice; its first entry's link is then taken on
    trust, and checkpoints before the slice cannot be checked. Pass checkpoints up to the
    end of the slice only: one beyond it reads as entries deleted from the end.
    """
    edge = CompactRange() if first_seq == 1 else None
    return _Walk(checkpoints, public_key, first_seq, edge=edge).run(iter(entries))


class _Walk:
    """One pass over the entries, stopping at the first problem."""

    def __init__(
        self,
        checkpoints: Iterable[Mapping[str, Any]],
        public_key: Ed25519PublicKey | None,
        first_seq: int,
        anchor: Mapping[str, Any] | None = None,
        edge: CompactRange | None = None,
    ) -> None:
        self.edge = edge
        self.tree: StoredTreeCheck | None = None
        self.key = public_key
        self.key_fingerprint = fingerprint(public_key) if public_key is not None else None
        self.first_seq = first_seq
        self.expected = first_seq
        self.prev_hash: str | None = GENESIS_HASH if first_seq == 1 else None
        # Hash -> number of every verified entry: tells an insertion from a reordering.
        self.seen: dict[str, int] = {GENESIS_HASH: 0} if first_seq == 1 else {}
        self.anchored = first_seq - 1
        self.matched = 0
        self.bad_checkpoint: str | None = None
        if anchor is not None:
            # A signed checkpoint stands in for the entries it covers.
            self.prev_hash = anchor["head_hash"]
            self.seen = {anchor["head_hash"]: first_seq - 1}
            self.bad_checkpoint = self._signature_problem(anchor)
        parsed = []
        for record in checkpoints:
            problem = checkpoint_shape_problem(record)
            if problem is not None:
                self.bad_checkpoint = problem
                break
            if record["seq"] >= first_seq:
                parsed.append(record)
        self.pending = deque(sorted(parsed, key=lambda record: int(record["seq"])))

    def run(self, entries: Iterator[Mapping[str, Any]]) -> VerifyResult:
        if self.bad_checkpoint is not None:
            return self.fail(Problem.CHECKPOINT, None, self.bad_checkpoint)
        for entry in entries:
            shape = entry_shape_problem(entry)
            if shape is not None:
                return self.fail(Problem.MALFORMED, self.expected, shape)
            seq = entry["seq"]
            if seq != self.expected:
                return self._sequence_break(seq, entries)
            if self.prev_hash is not None and entry["prev_hash"] != self.prev_hash:
                return self._link_break(entry, list(entries))
            if not _hash_matches(entry):
                return self.fail(
                    Problem.EDITED, seq, "its content does not match its hash: it was changed"
                )
            self.seen[entry["entry_hash"]] = seq
            failure = self._grow_tree(entry)
            if failure is not None:
                return failure
            self.prev_hash = entry["entry_hash"]
            self.expected += 1
            failure = self._checkpoints_up_to(seq, entry["entry_hash"])
            if failure is not None:
                return failure
        return self._beyond_the_end()

    def _note_problem(self, checkpoint: Mapping[str, Any]) -> str | None:
        root = self.edge.root() if self.edge is not None else None
        return checkpoint_note_problem(checkpoint, self.key, root)

    def _grow_tree(self, entry: Mapping[str, Any]) -> VerifyResult | None:
        if self.edge is None:
            return None
        completed = self.edge.append(leaf_hash(entry_bytes(entry)))
        problem = self.tree.add(completed) if self.tree is not None else None
        return self.fail(Problem.TREE, entry["seq"], problem) if problem else None

    def fail(self, problem: Problem, first_bad: int | None, reason: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            entries=self.expected - self.first_seq,
            checkpoints=self.matched,
            signatures_checked=self.key is not None,
            last_seq=self.expected - 1,
            last_hash=self.prev_hash or "",
            problem=problem,
            first_bad=first_bad,
            reason=reason,
        )

    def _sequence_break(self, seq: int, rest: Iterator[Mapping[str, Any]]) -> VerifyResult:
        expected = self.expected
        if seq < expected:
            # Every number below ``expected`` was seen exactly once already.
            return self.fail(
                Problem.INSERTED, expected, f"a second entry numbered {seq} was put in"
            )
        later = {record.get("seq") for record in rest if isinstance(record, Mapping)}
        if expected in later:
            return self.fail(
                Problem.REORDERED, expected, f"entry {seq} comes before entry {expected}"
            )
        return self.fail(
            Problem.DELETED,
            expected,
            f"the record goes from {expected - 1} to {seq}; missing: {_span(expected, seq - 1)}",
        )

    def _link_break(self, entry: Mapping[str, Any], rest: list[Mapping[str, Any]]) -> VerifyResult:
        seq = entry["seq"]
        earlier = self.seen.get(entry["prev_hash"])
        if earlier is not None:
            return self.fail(
                Problem.INSERTED,
                earlier + 1,
                f"entry {seq} follows entry {earlier}; "
                f"put in between: {_span(earlier + 1, seq - 1)}",
            )
        later = {
            record.get("entry_hash"): record.get("seq")
            for record in rest
            if isinstance(record, Mapping)
        }
        if entry["prev_hash"] in later:
            return self.fail(
                Problem.REORDERED,
                seq,
                f"entry {seq} follows the entry now numbered {later[entry['prev_hash']]}",
            )
        following = rest[0] if rest and isinstance(rest[0], Mapping) else {}
        if following.get("prev_hash") == self.prev_hash:
            return self.fail(
                Problem.INSERTED,
                seq,
                f"entry {seq + 1} follows entry {seq - 1}; put in between: entry {seq}",
            )
        if not _hash_matches(entry):
            return self.fail(
                Problem.EDITED, seq, "its content and its link to the entry before were changed"
            )
        return self.fail(
            Problem.EDITED,
            seq - 1,
            f"entry {seq} records another hash for it: entry {seq - 1} was rewritten and "
            f"re-hashed, or entry {seq} was forged",
        )

    def _checkpoints_up_to(self, seq: int, digest: str) -> VerifyResult | None:
        while self.pending and self.pending[0]["seq"] <= seq:
            checkpoint = self.pending.popleft()
            problem = self._signature_problem(checkpoint)
            if problem is not None:
                return self.fail(Problem.CHECKPOINT, checkpoint["seq"], problem)
            if checkpoint["head_hash"] != digest:
                first = self.anchored + 1
                return self.fail(
                    Problem.CHECKPOINT,
                    first,
                    f"the checkpoint of {checkpoint['created_at']} signed another hash for "
                    f"entry {seq}: the record from {first} to {seq} was rewritten",
                )
            note_problem = self._note_problem(checkpoint)
            if note_problem is not None:
                return self.fail(Problem.CHECKPOINT, self.anchored + 1, note_problem)
            self.anchored = seq
            self.matched += 1
        return None

    def _beyond_the_end(self) -> VerifyResult:
        last = self.expected - 1
        problem = self.tree.flush() if self.tree is not None else None
        if problem is not None:
            return self.fail(Problem.TREE, None, problem)
        for checkpoint in self.pending:
            problem = self._signature_problem(checkpoint)
            if problem is not None:
                return self.fail(Problem.CHECKPOINT, checkpoint["seq"], problem)
            return self.fail(
                Problem.DELETED,
                last + 1,
                f"the checkpoint of {checkpoint['created_at']} covers entries up to "
                f"{checkpoint['seq']} but the record ends at {last}",
            )
        return VerifyResult(
            ok=True,
            entries=last - self.first_seq + 1,
            checkpoints=self.matched,
            signatures_checked=self.key is not None,
            last_seq=last,
            last_hash=self.prev_hash or "",
            uncovered=last - self.anchored,
            tree_root=self.edge.root().hex() if self.edge is not None else "",
        )

    def _signature_problem(self, checkpoint: Mapping[str, Any]) -> str | None:
        if self.key is None:
            return None
        where = f"the checkpoint of {checkpoint['created_at']} at entry {checkpoint['seq']}"
        if checkpoint["key_fingerprint"] != self.key_fingerprint:
            return (
                f"{where} names key {checkpoint['key_fingerprint'][:16]}…, "
                f"not the given key {str(self.key_fingerprint)[:16]}…"
            )
        message = checkpoint_message(
            checkpoint["seq"], checkpoint["head_hash"], checkpoint["created_at"]
        )
        try:
            signature = base64.b64decode(checkpoint["signature"], validate=True)
            self.key.verify(signature, message)
        except (InvalidSignature, binascii.Error, ValueError):
            return f"{where}: the signature does not verify; it was forged or altered"
        return None


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"


def _hash_matches(entry: Mapping[str, Any]) -> bool:
    try:
        recomputed = entry_hash(entry)
    except (AuditFormatError, RecursionError):
        return False
    return bool(recomputed == entry["entry_hash"])
