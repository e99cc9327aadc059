"""Writing notices, in the caller's transaction, to the people who must act.

Each event has fixed words: what happened and the request's or job's number, never a
candidate's name, a face or the case narrative (the mail can be read by anyone the
mailbox is open to). The link leads to the page where the person, signed in, sees the
rest under the usual checks.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.store.db import insert_new
from facedocket.store.schema import Notice, SearchRequest, User, UserRole
from facedocket.store.schema.base import utcnow

WORDS = {
    "request.submitted": "Request {id} was submitted and waits for intake review.",
    "emergency.waiting": "Emergency request {id} waits for a supervisor's approval.",
    "statement.due_soon": "The sworn statement for emergency request {id} is due within 12 hours.",
    "statement.overdue": "The sworn statement for emergency request {id} is overdue.",
    "result.released": "The examiners concluded request {id}; its result can be read.",
    "job.failed": "Enrolment job {id} failed.",
}


def notify(session: Session, event: str, subject: int, users: Iterable[int], link: str) -> int:
    """Write the ``event`` notice about ``subject`` for each of ``users`` (each once, even
    when asked again); how many were new."""
    text = WORDS[event].format(id=subject)
    new = 0
    for user in sorted(set(users)):
        email = session.scalar(select(User.email).where(User.id == user))
        new += insert_new(
            session,
            Notice,
            "key",
            user_id=user,
            event=event,
            key=f"{event}:{subject}:{user}",
            text=text,
            link=link,
            created_at=utcnow(),
            mail_state="pending" if email else "none",
            attempts=0,
            next_attempt_at=utcnow(),
            last_error="",
        )
    return new


def staff(session: Session, agency_id: int | None, role: str) -> list[int]:
    """The active users holding ``role`` at the agency (any agency when None)."""
    query = select(User.id).join(UserRole, UserRole.user_id == User.id)
    query = query.where(UserRole.role == role, User.active.is_(True))
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    return list(session.scalars(query))


def request_link(request: SearchRequest) -> str:
    return f"/requests/{request.id}"


def submitted(session: Session, request: SearchRequest, emergency: bool) -> None:
    """Intake is told of every submission; a supervisor too when it is an emergency."""
    body = request.searching_body_id
    link = request_link(request)
    notify(session, "request.submitted", request.id, staff(session, body, "intake_reviewer"), link)
    if emergency:
        supervisors = staff(session, body, "supervisor")
        notify(session, "emergency.waiting", request.id, supervisors, link)


def released(session: Session, request: SearchRequest) -> None:
    notify(session, "result.released", request.id, [request.officer_id], request_link(request))


def statement(session: Session, request: SearchRequest, event: str) -> int:
    """The requester and the approving supervisor, of a statement soon due or overdue."""
    basis = request.basis
    people = [request.officer_id]
    if basis is not None and basis.supervisor_id is not None:
        people.append(basis.supervisor_id)
    return notify(session, event, request.id, people, request_link(request))


def job_failed(session: Session, job_id: int) -> None:
    admins = staff(session, None, "administrator")
    notify(session, "job.failed", job_id, admins, f"/admin/enrolments/{job_id}")


def notices_for(session: Session, user_id: int, limit: int = 20) -> list[Notice]:
    """The person's latest notices, newest first, for the home page."""
    return list(
        session.scalars(
            select(Notice).where(Notice.user_id == user_id).order_by(Notice.id.desc()).limit(limit)
        )
    )
