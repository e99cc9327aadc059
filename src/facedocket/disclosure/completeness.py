"""Checking offline that a packet holds the whole case: each entry in the signed tree,
the case's chain unbroken from its first entry to the checkpoint's last (docs/tlog.md).

An entry left out of the packet breaks the chain at the next entry of the case, or, if
it was the last, leaves the chain ending before the checkpoint does; an entry whose
bytes were changed (even re-hashed) is no longer in the tree the checkpoint signs. Each
problem names the entry, or the gap, that gives it away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from facedocket.audit.canonical import SUBJECT_PREV, entry_bytes
from facedocket.audit.merkle import ProofError, leaf_hash, verify_inclusion
from facedocket.audit.note import Checkpoint
from facedocket.audit.proofs import decode_hashes
from facedocket.audit.result import span
from facedocket.store.schema.audit import GENESIS_HASH

Entry = Mapping[str, Any]


def tree_problems(
    entries: Sequence[Entry], proofs: Sequence[Mapping[str, Any]], checkpoint: Checkpoint
) -> list[str]:
    """Each entry against its inclusion proof to the checkpoint's root."""
    by_seq: dict[Any, Any] = {}
    for line in proofs:
        if set(line) != {"seq", "proof"} or line["seq"] in by_seq:
            return ["record/inclusion.jsonl: a line is not one {seq, proof} per entry"]
        by_seq[line["seq"]] = line["proof"]
    problems = []
    for entry in entries:
        label = f"entry {entry['seq']} ({entry['action']})"
        proof = by_seq.pop(entry["seq"], None)
        if proof is None:
            problems.append(f"{label} has no inclusion proof in record/inclusion.jsonl")
            continue
        try:
            verify_inclusion(
                entry["seq"] - 1,
                checkpoint.size,
                leaf_hash(entry_bytes(entry)),
                decode_hashes(proof),
                checkpoint.root,
            )
        except ProofError:
            problems.append(
                f"{label} is not in the tree the checkpoint signs: its bytes were changed, "
                "or it was never on the record"
            )
    problems += [
        f"record/inclusion.jsonl proves entry {seq}, which the packet does not hold: "
        "that entry of the case was left out"
        for seq in sorted(by_seq, key=str)
    ]
    return problems


def chain_problems(entries: Sequence[Entry], size: int) -> tuple[list[str], list[str]]:
    """The case's chain from its first entry to the checkpoint's last; (problems, and what
    the chain cannot show: entries written before it, in format v1)."""
    problems: list[str] = []
    previous: Entry | None = None
    old: list[int] = []
    for entry in entries:
        label = f"entry {entry['seq']} ({entry['action']})"
        if previous is not None and entry["seq"] <= previous["seq"]:
            problems.append(f"{label} is out of order in record/entries.jsonl")
        elif SUBJECT_PREV not in entry:
            old.append(entry["seq"])
        elif entry[SUBJECT_PREV] != (previous["entry_hash"] if previous else GENESIS_HASH):
            problems.append(
                f"{label} is not the case's first entry: the entries of the case before "
                "it are missing"
                if previous is None
                else f"{label} follows another entry of the case than entry "
                f"{previous['seq']}: an entry of the case between {previous['seq']} and "
                f"{entry['seq']} is missing"
            )
        previous = entry
    if previous is not None and previous["seq"] != size:
        problems.append(
            f"the case's entries end at entry {previous['seq']} but the checkpoint's tree "
            f"ends at entry {size}: the case's entries after {previous['seq']} are missing"
        )
    unchecked = (
        [
            f"{span(old[0], old[-1])} of the case predate per-case chains (format v1): "
            "that none of the case's entries among them was left out rests on the "
            "agency's record (facedocket disclosure verify where it is reachable)"
        ]
        if old
        else []
    )
    return problems, unchecked
