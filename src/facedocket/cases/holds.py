"""Legal holds: a request under hold keeps every record, whatever the retention policy.

A supervisor or administrator sets a hold (litigation, an appeal, a public-records
request) and releases it with reasons; both are on the record. A request has at most
one hold in force at a time.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.requests import locked_case
from facedocket.governance.access import acting_role, sentence
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.store.schema import LegalHold

HOLD_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def set_hold(session: Session, actor: Actor, request_id: int, reason: str) -> LegalHold:
    request, actor = locked_case(session, actor, request_id)
    role = acting_role(actor, HOLD_ROLES, "set a legal hold")
    why = sentence(reason, "reason for the hold")
    if active_hold(session, request.id) is not None:
        raise Refused(f"request {request.id} is on hold already", code=RefusalCode.EXISTS)
    hold = LegalHold(request_id=request.id, reason=why, set_by_id=actor.user_id, set_at=clock.now())
    session.add(hold)
    session.flush()
    log(session, actor, role, "hold.set", request.id, {"hold": hold.id, "reason": why})
    return hold


def release_hold(session: Session, actor: Actor, request_id: int, reason: str) -> LegalHold:
    request, actor = locked_case(session, actor, request_id)
    role = acting_role(actor, HOLD_ROLES, "release a legal hold")
    why = sentence(reason, "reason for the release")
    hold = active_hold(session, request.id)
    if hold is None:
        raise Refused(f"request {request.id} is not on hold", code=RefusalCode.BAD_STATE)
    hold.released_by_id, hold.released_at, hold.release_reason = actor.user_id, clock.now(), why
    log(session, actor, role, "hold.released", request.id, {"hold": hold.id, "reason": why})
    return hold


def active_hold(session: Session, request_id: int) -> LegalHold | None:
    return session.scalar(
        select(LegalHold).where(LegalHold.request_id == request_id, LegalHold.released_at.is_(None))
    )


def held_requests(session: Session) -> set[int]:
    """The requests on hold now."""
    query = select(LegalHold.request_id).where(LegalHold.released_at.is_(None))
    return set(session.scalars(query))
