"""Checking a packet against the agency's own database, where one is reachable.

Offline, a packet proves that its case files match the signed entries it carries. Two
things only the record itself can show: that this packet, byte for byte, is one the
agency produced (its manifest's SHA-256 is in an ``export.created`` entry of the request,
written in the transaction that read the case, with every file's hash), and that no
entry of the case up to the packet's checkpoint was left out of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import AuditError, read_json_lines
from facedocket.reports.exports import productions
from facedocket.reports.files import MANIFEST, Files, manifest_about, sha256
from facedocket.store.schema import AuditEntry


@dataclass
class RecordCheck:
    problems: list[str] = field(default_factory=list)
    # The ``export.created`` entry that produced this packet, where the record holds one.
    production: AuditEntry | None = None


def check_against_record(session: Session, files: Files) -> RecordCheck:
    """The packet against the database: its production entry, and the case's entries."""
    check = RecordCheck()
    manifest = sha256(files.get(MANIFEST, b""))
    request = str(manifest_about(files).get("request"))
    made = [
        entry
        for entry in productions(session, manifest)
        if (entry.subject_type, entry.subject_id) == ("request", request)
        and entry.details.get("kind") == "disclosure"
    ]
    if not made:
        check.problems.append(
            f"the record holds no export.created entry of a disclosure packet of request "
            f"{request} with manifest SHA-256 {manifest}: the agency did not produce this "
            "packet as it is"
        )
    else:
        check.production = made[0]
        listed = made[0].details.get("files", {})
        shown = {name: sha256(content) for name, content in files.items() if name != MANIFEST}
        check.problems += [
            f"{name}: not the file the record (entry {made[0].seq}, export.created) lists"
            for name in sorted(set(listed) | set(shown))
            if listed.get(name) != shown.get(name)
        ]
    check.problems += _left_out(session, files, request)
    return check


def _left_out(session: Session, files: Files, request: str) -> list[str]:
    """The case's entries up to the packet's checkpoint, against the packet's own."""
    try:
        carried = {
            entry["seq"]: entry
            for entry in read_json_lines(
                files["record/entries.jsonl"].splitlines(), "record/entries.jsonl"
            )
        }
        last = json.loads(files["record/checkpoint.json"])["seq"]
    except (KeyError, TypeError, ValueError, AuditError, RecursionError):
        return []  # the offline check names what is unreadable
    if not isinstance(last, int) or isinstance(last, bool):
        return []
    stored = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.subject_type == "request",
            AuditEntry.subject_id == request,
            AuditEntry.seq <= last,
        )
        .order_by(AuditEntry.seq)
    )
    problems = []
    for entry in stored:
        packet = carried.pop(entry.seq, None)
        label = f"entry {entry.seq} ({entry.action}) of request {request}"
        if packet is None:
            problems.append(f"{label} is on the record but not in the packet")
        elif packet.get("entry_hash") != entry.entry_hash:
            problems.append(f"{label} differs from the record")
    problems += [f"entry {seq} is in the packet but not on the record" for seq in sorted(carried)]
    return problems
