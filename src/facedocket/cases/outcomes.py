"""What followed a lead: the requester (or a supervisor of the searching body) records
each arrest, charge or conviction that resulted, or that none did, as the case goes on.

Laws that count these say so in their pack (``outcomes``: Montana's reports count the
arrests and convictions that resulted from the searches); there a lead whose first
outcome is not recorded within the pack's days is overdue, and listed until one is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.requests import locked_case
from facedocket.cases.states import State
from facedocket.cases.visibility import may_see
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.policy import load_policy
from facedocket.policy.afterwards import OUTCOME_KINDS, outcome_due
from facedocket.store.schema import LeadOutcome, SearchRequest

OUTCOME_ROLES = (Role.REQUESTER, Role.SUPERVISOR)
NOTE_LIMIT = 2000


def record_outcome(
    session: Session,
    actor: Actor,
    request_id: int,
    kind: str,
    occurred_on: date,
    note: str = "",
) -> LeadOutcome:
    """Record one thing that followed the lead of a concluded request."""
    request, actor = locked_case(session, actor, request_id)
    role = actor.role_for(*OUTCOME_ROLES)
    if role is None:
        raise Refused(
            "the requesting officer or a supervisor of the searching body records what "
            "followed a lead",
            code=RefusalCode.WRONG_ROLE,
        )
    if request.state not in (State.CONCLUDED, State.CLOSED) or request.outcome != "lead":
        raise Refused(
            f"request {request.id} did not conclude with a lead; only a lead has outcomes",
            code=RefusalCode.BAD_STATE,
        )
    if kind not in OUTCOME_KINDS:
        raise Refused(
            f"the outcome is one of {', '.join(OUTCOME_KINDS)}, not {kind[:30]!r}",
            code=RefusalCode.INVALID,
        )
    now = clock.now()
    policy = load_policy(request.policy_id, at=now)
    today = now.astimezone(policy.zone).date()
    lead_day = request.concluded_at
    if occurred_on > today:
        raise Refused(
            f"{occurred_on} is in the future ({policy.timezone}: today is {today})",
            code=RefusalCode.INVALID,
        )
    if lead_day is not None and occurred_on < lead_day.astimezone(policy.zone).date():
        raise Refused(f"{occurred_on} is before the lead was released", code=RefusalCode.INVALID)
    text = note.strip()
    if len(text) > NOTE_LIMIT:
        raise Refused(f"the note is longer than {NOTE_LIMIT} characters", code=RefusalCode.INVALID)
    same = session.scalar(
        select(LeadOutcome).where(
            LeadOutcome.request_id == request.id,
            LeadOutcome.kind == kind,
            LeadOutcome.occurred_on == occurred_on,
        )
    )
    if same is not None:
        raise Refused(f"a {kind} on {occurred_on} is already recorded", code=RefusalCode.EXISTS)
    entry = log(
        session,
        actor,
        role,
        "outcome.recorded",
        request.id,
        {"outcome": kind, "occurred_on": occurred_on.isoformat(), "note": text or None},
        policy,
    )
    outcome = LeadOutcome(
        request_id=request.id,
        kind=kind,
        occurred_on=occurred_on,
        note=text or None,
        recorded_by_id=actor.user_id,
        recorded_at=now,
        audit_seq=entry.seq,
    )
    session.add(outcome)
    session.flush()
    return outcome


def outcomes_of(session: Session, request_id: int) -> list[LeadOutcome]:
    """What followed the lead, in the order it happened (then as recorded)."""
    return list(
        session.scalars(
            select(LeadOutcome)
            .where(LeadOutcome.request_id == request_id)
            .order_by(LeadOutcome.occurred_on, LeadOutcome.id)
        )
    )


@dataclass(frozen=True)
class OverdueOutcome:
    request_id: int
    case_number: str
    lead_at: datetime
    due_at: datetime


def overdue_outcomes(
    session: Session, actor: Actor, at: datetime | None = None
) -> list[OverdueOutcome]:
    """The leads ``actor`` may see whose law counts outcomes and that have none recorded
    past the pack's days (each judged by the pack version in force when looked at)."""
    moment = at or clock.now()
    recorded = select(LeadOutcome.request_id)
    leads = session.scalars(
        select(SearchRequest)
        .where(SearchRequest.outcome == "lead", SearchRequest.id.not_in(recorded))
        .order_by(SearchRequest.id)
    )
    found = []
    for request in leads:
        if not may_see(actor, request):
            continue
        concluded = request.concluded_at
        if concluded is None:
            continue
        due = outcome_due(load_policy(request.policy_id, at=moment).outcomes, concluded)
        if due is not None and due < moment:
            found.append(OverdueOutcome(request.id, request.case_number, concluded, due))
    return found
