"""One pass over the entries, stopping at the first problem: the verifier's core.

It checks, entry by entry: the shape, the number, the link to the entry before, the hash,
the link to the subject's entry before (``subjects``), a key rotation (``history``), the
Merkle tree's nodes (where the stored tree is compared), and each checkpoint, with the key
in force there, once the walk reaches the entry it signed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from facedocket.audit.breaks import Finding, hash_matches, link_break, sequence_break
from facedocket.audit.canonical import checkpoint_shape_problem, entry_bytes, entry_shape_problem
from facedocket.audit.history import KeyHistory
from facedocket.audit.merkle import CompactRange, leaf_hash
from facedocket.audit.note import checkpoint_note_problem
from facedocket.audit.result import Problem, VerifyResult
from facedocket.audit.subjects import SubjectChains
from facedocket.audit.tree import StoredTreeCheck
from facedocket.store.schema.audit import GENESIS_HASH


class Walk:
    """One pass over the entries from ``first_seq``; ``run`` returns what it found."""

    def __init__(
        self,
        checkpoints: Iterable[Mapping[str, Any]],
        keys: KeyHistory,
        first_seq: int,
        *,
        subjects: SubjectChains,
        anchor: Mapping[str, Any] | None = None,
        edge: CompactRange | None = None,
        tree: StoredTreeCheck | None = None,
    ) -> None:
        self.edge = edge
        self.tree = tree
        self.subjects = subjects
        self.keys = keys
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
                return self.found(sequence_break(self.expected, seq, entries))
            if self.prev_hash is not None and entry["prev_hash"] != self.prev_hash:
                return self.found(link_break(entry, list(entries), self.seen, self.prev_hash))
            if not hash_matches(entry):
                return self.fail(
                    Problem.EDITED, seq, "its content does not match its hash: it was changed"
                )
            broken = self.subjects.problem(entry, self.seen)
            if broken is not None:
                return self.fail(Problem.SUBJECT_CHAIN, seq, broken)
            rotation = self.keys.learn(entry)
            if rotation is not None:
                return self.fail(Problem.KEY, seq, rotation)
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

    def fail(self, problem: Problem, first_bad: int | None, reason: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            entries=self.expected - self.first_seq,
            checkpoints=self.matched,
            signatures_checked=self.keys.checks,
            last_seq=self.expected - 1,
            last_hash=self.prev_hash or "",
            problem=problem,
            first_bad=first_bad,
            reason=reason,
        )

    def found(self, finding: Finding) -> VerifyResult:
        return self.fail(*finding)

    def _grow_tree(self, entry: Mapping[str, Any]) -> VerifyResult | None:
        if self.edge is None:
            return None
        completed = self.edge.append(leaf_hash(entry_bytes(entry)))
        problem = self.tree.add(completed) if self.tree is not None else None
        return self.fail(Problem.TREE, entry["seq"], problem) if problem else None

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
            root = self.edge.root() if self.edge is not None else None
            key = self.keys.key_of(checkpoint) if self.keys.checks else None
            note_problem = checkpoint_note_problem(checkpoint, key, root)
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
        untrusted = self.keys.untrusted()
        if untrusted is not None:
            return self.fail(Problem.KEY, None, untrusted)
        return VerifyResult(
            ok=True,
            entries=last - self.first_seq + 1,
            checkpoints=self.matched,
            signatures_checked=self.keys.checks,
            last_seq=last,
            last_hash=self.prev_hash or "",
            uncovered=last - self.anchored,
            tree_root=self.edge.root().hex() if self.edge is not None else "",
        )

    def _signature_problem(self, checkpoint: Mapping[str, Any]) -> str | None:
        return self.keys.problem(checkpoint)
