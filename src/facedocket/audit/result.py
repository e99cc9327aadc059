"""What verifying the record found, in the one form every verifier reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Problem(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    MALFORMED = "malformed"
    CHECKPOINT = "checkpoint"
    TREE = "tree"
    # An entry whose subject_prev_hash is not its subject's previous entry (docs/tlog.md).
    SUBJECT_CHAIN = "subject_chain"
    # A key rotation that does not verify, or a checkpoint by a key not in force.
    KEY = "key"


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


def span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"
