"""The record as JSON Lines, for an auditor who verifies it without the database.

One canonical entry per line (see ``canonical``), in number order; the same database
always gives the same bytes, so two exports can be compared with ``sha256sum``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from facedocket.audit.canonical import AuditFormatError, canonical_json, entry_line
from facedocket.audit.log import ENTRY_COLUMNS, AuditError, stored_checkpoints, stored_entries


def export_entries(
    session: Session, *, first: int = 1, last: int | None = None, columns: str = ENTRY_COLUMNS
) -> Iterator[bytes]:
    """JSON Lines of the entries numbered ``first`` to ``last`` (the end when None)."""
    for entry in stored_entries(session, first=first, last=last, columns=columns):
        try:
            yield entry_line(entry)
        except (AuditFormatError, RecursionError):
            # A tampered value the canonical form cannot hold: exported as plain JSON so
            # the auditor sees it, and verification of the export fails on it.
            yield json.dumps(entry, sort_keys=True, default=str).encode() + b"\n"


def export_checkpoints(session: Session, *, last: int | None = None) -> Iterator[bytes]:
    """JSON Lines of the checkpoints up to entry ``last``, oldest first."""
    for record in stored_checkpoints(session):
        if last is None or record["seq"] <= last:
            yield canonical_json(record) + b"\n"


def read_json_lines(lines: Iterable[bytes | str], source: str) -> Iterator[dict[str, Any]]:
    """Parse JSON Lines strictly: a line that is not one JSON object is an error.

    Duplicate keys and NaN are refused: readers disagree on which one wins, so a line holding
    two ``actor`` keys could verify here and say something else elsewhere.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=_unique_keys, parse_constant=_no_constants)
        except ValueError as error:
            raise AuditError(f"{source}:{number}: not JSON: {error}") from None
        if not isinstance(value, dict):
            raise AuditError(f"{source}:{number}: not a JSON object")
        yield value


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's reader accepts them unless told not to.
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result
