"""Each configured witness against the record: what it cosigned, and the gap since.

A witness that is down, or that refuses the agency's checkpoints, does not stop searches;
it shows here instead, on the auditor's verification page, in ``audit verify`` and in the
compliance report, with the last thing it answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facedocket.audit.witnesses import Witness, cosigned_size
from facedocket.store.schema import AuditCheckpoint, AuditCosignature, WitnessStatus


@dataclass(frozen=True)
class Gap:
    """A witness's standing against the record: what it cosigned, what it has not."""

    witness: str
    url: str
    checkpointed: int  # entries the newest signed checkpoint covers
    cosigned: int  # entries the newest checkpoint this witness cosigned covers
    cosigned_at: datetime | None
    tried_at: datetime | None
    problem: str | None

    @property
    def behind(self) -> int:
        return self.checkpointed - self.cosigned

    @property
    def open(self) -> bool:
        return self.behind > 0 or self.problem is not None

    def __str__(self) -> str:
        done = (
            f"cosigned entries 1 to {self.cosigned} ({self.cosigned_at:%Y-%m-%d %H:%M:%S} UTC)"
            if self.cosigned_at is not None
            else "has cosigned nothing"
        )
        said = f"; last answer: {self.problem}" if self.problem else ""
        if not self.open:
            return f"witness {self.witness} {done}: no gap"
        return (
            f"witness {self.witness} {done}: GAP of {self.behind} entries signed since "
            f"that it has not cosigned{said}"
        )


def gaps(session: Session, witnesses: Sequence[Witness]) -> list[Gap]:
    """Each configured witness against the newest checkpoint."""
    checkpointed = session.scalar(
        select(func.max(AuditCheckpoint.seq)).where(AuditCheckpoint.note.is_not(None))
    )
    found = []
    for witness in witnesses:
        status = session.get(WitnessStatus, witness.name)
        cosigned_at = session.scalar(
            select(func.max(AuditCosignature.received_at)).where(
                AuditCosignature.witness == witness.name
            )
        )
        found.append(
            Gap(
                witness=witness.name,
                url=witness.url,
                checkpointed=int(checkpointed or 0),
                cosigned=cosigned_size(session, witness.name),
                cosigned_at=cosigned_at,
                tried_at=status.tried_at if status else None,
                problem=status.problem if status else None,
            )
        )
    return found
