"""Checking the per-subject chains inside the record (entry format v2, docs/tlog.md).

Every v2 entry names, in ``subject_prev_hash``, the entry before it about the same subject
(the genesis hash for a subject's first entry). A walk over the record keeps the last
entry of every subject it has seen and checks each link; a walk that starts after entry 1
asks the database for a subject's last entry before the walk, or takes that first link on
trust where there is no database (a slice of an export).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from facedocket.audit.canonical import SUBJECT_PREV
from facedocket.store.schema.audit import GENESIS_HASH

Subject = tuple[str, str]
# The subject's last entry before the walk, (seq, entry_hash), or None if it has none.
Earlier = Callable[[str, str], tuple[int, str] | None]


class SubjectChains:
    """The last entry of each subject seen so far, and the check of each new link."""

    def __init__(self, *, from_start: bool, earlier: Earlier | None = None) -> None:
        self.from_start = from_start
        self.earlier = earlier
        self.last: dict[Subject, tuple[int, str]] = {}
        self.v2_from: int | None = None

    def problem(self, entry: Mapping[str, Any], seen: Mapping[str, int]) -> str | None:
        """Why ``entry`` (hash already checked) breaks its subject's chain, or None."""
        subject = (entry["subject_type"], entry["subject_id"])
        known, previous = self._previous(subject)
        self.last[subject] = (entry["seq"], entry["entry_hash"])
        if SUBJECT_PREV not in entry:
            if self.v2_from is not None:
                return f"a format v1 entry after format v2 entries (from entry {self.v2_from})"
            return None
        if self.v2_from is None:
            self.v2_from = entry["seq"]
        if not known:
            return None  # a slice: the link before it is taken on trust
        wanted = previous[1] if previous is not None else GENESIS_HASH
        if entry[SUBJECT_PREV] == wanted:
            return None
        name = f"{subject[0]} {subject[1]}"
        before = f"entry {previous[0]}" if previous is not None else "none (its first entry)"
        linked = entry[SUBJECT_PREV]
        named = (
            "the start of a chain"
            if linked == GENESIS_HASH
            else f"entry {seen[linked]}"
            if linked in seen
            else f"the hash {linked[:16]}…, of no entry checked"
        )
        return (
            f"its link in the chain of {name} names {named}, but the entry of {name} "
            f"before it is {before}: an entry of {name} was left out, put in or forged"
        )

    def _previous(self, subject: Subject) -> tuple[bool, tuple[int, str] | None]:
        if subject in self.last:
            return True, self.last[subject]
        if self.from_start:
            return True, None
        if self.earlier is None:
            return False, None
        return True, self.earlier(*subject)
