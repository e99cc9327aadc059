"""Where a request stands, as the person following it reads it: what its state means, who
has it now, and what was done to it and when (the acts on the record, not the views)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.states import State
from facedocket.store.schema import Agency, AuditEntry, SearchRequest


class Standing(StrEnum):
    """What a state means to the requester; each is shown in its own colour and words."""

    DRAFT = "draft"
    WAITING = "waiting"
    RESULT_READY = "result_ready"
    REFUSED = "refused"
    CLOSED = "closed"


STANDING: dict[State, Standing] = {
    State.DRAFT: Standing.DRAFT,
    State.SUBMITTED: Standing.WAITING,
    # Sent back, it is the requester's to write again, as a draft is.
    State.RETURNED: Standing.DRAFT,
    State.WITHDRAWN: Standing.CLOSED,
    State.APPROVED: Standing.WAITING,
    State.SEARCHED: Standing.WAITING,
    State.UNDER_EXAMINATION: Standing.WAITING,
    State.CONCLUDED: Standing.RESULT_READY,
    State.REJECTED: Standing.REFUSED,
    State.CLOSED: Standing.CLOSED,
}

# A list of the requests in one standing, as its heading reads.
STANDING_WORDS: dict[Standing, str] = {
    Standing.DRAFT: "drafts and requests sent back for correction",
    Standing.WAITING: "waiting at intake or the examiners",
    Standing.RESULT_READY: "results ready to read",
    Standing.REFUSED: "rejected",
    Standing.CLOSED: "closed or withdrawn",
}


@dataclass(frozen=True)
class Progress:
    standing: Standing
    holder: str
    history: list[AuditEntry]


def standing(state: str) -> Standing:
    return STANDING[State(state)]


def progress(session: Session, request: SearchRequest) -> Progress:
    """The request's standing, who has it now, and its acts on the record, oldest first."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "request", AuditEntry.subject_id == str(request.id))
        .order_by(AuditEntry.seq)
    )
    acts = [entry for entry in entries if not entry.action.endswith(".viewed")]
    return Progress(standing(request.state), holder(session, request), acts)


def holder(session: Session, request: SearchRequest) -> str:
    """Who has the request now, in words."""
    body = request.searching_body.name if request.searching_body else "the searching body"
    screening = session.get(Agency, request.intake_body_id) if request.intake_body_id else None
    officer = f"{request.officer_rank} {request.officer_name}"
    holders = {
        State.DRAFT: f"{officer}, who writes it: not sent yet",
        State.SUBMITTED: f"Intake at {screening.name if screening else body}, to decide it",
        State.RETURNED: f"{officer}, to correct it and submit it again",
        State.WITHDRAWN: "Nobody: the requester withdrew it",
        State.APPROVED: f"The examiners at {body}, to search",
        State.SEARCHED: f"The examiners at {body}, comparing the candidates",
        State.UNDER_EXAMINATION: f"The examiners at {body}, comparing the candidates",
        State.CONCLUDED: f"{officer}: the result is ready to read",
        State.REJECTED: f"{officer}: the request was rejected, for the reason given",
        State.CLOSED: "Nobody: the request is closed",
    }
    return holders[State(request.state)]


def counts_of_mine(requests: Iterable[SearchRequest], user_id: int) -> dict[Standing, int]:
    """How many of the requests this person wrote stand where: drafts, waiting, ready."""
    counts = dict.fromkeys(Standing, 0)
    for request in requests:
        if request.officer_id == user_id:
            counts[standing(request.state)] += 1
    return counts
