"""The newest checkpoint a witness cosigned, as a report embeds it.

The note is the C2SP tlog-checkpoint exactly as stored, with the agency's signature line
and every witness's cosignature line: a reader checks it offline with the agency's and
the witnesses' public keys (``facedocket audit verify-proof``, docs/tlog.md).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from facedocket.audit.note import parse
from facedocket.audit.proofs import newest_cosigned

NONE = "No witness has cosigned any checkpoint of the audit record yet."


@dataclass(frozen=True)
class Cosigned:
    origin: str
    size: int
    root: str  # base64, as in the note
    note: str
    witnesses: tuple[tuple[str, datetime], ...]  # (witness, the time it cosigned)

    def describe(self) -> str:
        by = ", ".join(f"{name} ({at:%Y-%m-%d %H:%M:%S} UTC)" for name, at in self.witnesses)
        return (
            f"Latest witness-cosigned checkpoint: log {self.origin}, {self.size} entries, "
            f"root hash {self.root}, cosigned by {by}."
        )

    def record(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "root_hash": self.root,
            "note": self.note,
            "witnesses": [
                {"witness": name, "cosigned_at": at.isoformat(timespec="seconds")}
                for name, at in self.witnesses
            ],
        }


def latest_cosigned(session: Session) -> Cosigned | None:
    row = newest_cosigned(session)
    if row is None or row.cosigned_note is None:
        return None
    note = parse(row.cosigned_note)
    return Cosigned(
        origin=note.origin,
        size=note.size,
        root=base64.b64encode(note.root).decode(),
        note=row.cosigned_note,
        witnesses=tuple((c.witness, c.cosigned_at) for c in row.cosignatures),
    )


def describe(found: Cosigned | None) -> str:
    return found.describe() if found is not None else NONE
