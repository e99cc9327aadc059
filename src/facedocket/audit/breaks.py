"""Naming what happened where the chain breaks: an entry edited, deleted, put in or moved.

The walk knows only that the next entry is not the one it expected; these read the rest
of the entries (and the hashes seen so far) to tell an auditor which of the four it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from facedocket.audit.canonical import AuditFormatError, entry_hash
from facedocket.audit.result import Problem, span

Finding = tuple[Problem, int, str]


def sequence_break(expected: int, seq: int, rest: Iterator[Mapping[str, Any]]) -> Finding:
    """Entry ``seq`` came where entry ``expected`` should have."""
    if seq < expected:
        # Every number below ``expected`` was seen exactly once already.
        return Problem.INSERTED, expected, f"a second entry numbered {seq} was put in"
    later = {record.get("seq") for record in rest if isinstance(record, Mapping)}
    if expected in later:
        return Problem.REORDERED, expected, f"entry {seq} comes before entry {expected}"
    return (
        Problem.DELETED,
        expected,
        f"the record goes from {expected - 1} to {seq}; missing: {span(expected, seq - 1)}",
    )


def link_break(
    entry: Mapping[str, Any],
    rest: list[Mapping[str, Any]],
    seen: Mapping[str, int],
    prev_hash: str | None,
) -> Finding:
    """``entry`` does not link to ``prev_hash``, the hash of the entry before it."""
    seq = entry["seq"]
    earlier = seen.get(entry["prev_hash"])
    if earlier is not None:
        return (
            Problem.INSERTED,
            earlier + 1,
            f"entry {seq} follows entry {earlier}; put in between: {span(earlier + 1, seq - 1)}",
        )
    later = {
        record.get("entry_hash"): record.get("seq")
        for record in rest
        if isinstance(record, Mapping)
    }
    if entry["prev_hash"] in later:
        return (
            Problem.REORDERED,
            seq,
            f"entry {seq} follows the entry now numbered {later[entry['prev_hash']]}",
        )
    following = rest[0] if rest and isinstance(rest[0], Mapping) else {}
    if following.get("prev_hash") == prev_hash:
        return (
            Problem.INSERTED,
            seq,
            f"entry {seq + 1} follows entry {seq - 1}; put in between: entry {seq}",
        )
    if not hash_matches(entry):
        return Problem.EDITED, seq, "its content and its link to the entry before were changed"
    return (
        Problem.EDITED,
        seq - 1,
        f"entry {seq} records another hash for it: entry {seq - 1} was rewritten and "
        f"re-hashed, or entry {seq} was forged",
    )


def hash_matches(entry: Mapping[str, Any]) -> bool:
    try:
        recomputed = entry_hash(entry)
    except (AuditFormatError, RecursionError):
        return False
    return bool(recomputed == entry["entry_hash"])
