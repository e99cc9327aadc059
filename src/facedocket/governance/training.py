"""Examiners' training on record, and whether it counts on a given day (requirement 18).

A course counts from the day it was completed until the earlier of its own expiry and
the policy's ``training.valid_days``. Where the policy requires training, the gate asks
``training_decision`` before every search; the compliance report asks it again for each
search on record, at the moment the search ran.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.governance.access import acting_role
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.policy import Decision, Policy, check_training
from facedocket.store.schema import TrainingRecord, User

TRAINING_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def record_training(
    session: Session,
    actor: Actor,
    username: str,
    course: str,
    completed_on: date,
    expires_on: date | None = None,
) -> TrainingRecord:
    """Put an examiner's completed course on record (a supervisor or administrator)."""
    role = acting_role(actor, TRAINING_ROLES, "record training")
    name = course.strip()
    if not 3 <= len(name) <= 200:
        raise Refused("name the course in 3 to 200 characters", code=RefusalCode.INVALID)
    if completed_on > clock.now().date():
        raise Refused(
            f"a course completed on {completed_on} lies in the future", code=RefusalCode.INVALID
        )
    if expires_on is not None and expires_on <= completed_on:
        raise Refused(
            f"the course cannot expire on {expires_on}, before it was completed",
            code=RefusalCode.INVALID,
        )
    trainee = session.scalar(select(User).where(User.username == username))
    if trainee is None or not trainee.active:
        raise NotFound(f"no active user called {username!r}")
    if Role.EXAMINER.value not in trainee.roles:
        raise Refused(
            f"{username} is not an examiner; training is recorded for examiners",
            code=RefusalCode.INVALID,
        )
    record = TrainingRecord(
        user_id=trainee.id,
        course=name,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by_id=actor.user_id,
    )
    session.add(record)
    session.flush()
    append(
        session,
        actor=actor.username,
        role=role.value,
        action="training.recorded",
        subject_type="user",
        subject_id=trainee.id,
        details={
            "agency": actor.agency_code,
            "username": username,
            "course": name,
            "completed_on": completed_on.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
        },
    )
    return record


def training_decision(session: Session, policy: Policy, user_id: int, at: datetime) -> Decision:
    """May this examiner search at ``at``, as far as training goes?"""
    if not policy.training.required:
        return check_training(policy, None, at)
    day = at.astimezone(policy.zone).date()
    records = list(
        session.scalars(
            select(TrainingRecord).where(
                TrainingRecord.user_id == user_id, TrainingRecord.completed_on <= day
            )
        )
    )
    if not records:
        return check_training(policy, None, at)
    best = max(records, key=lambda r: (_end(policy, r) or date.max, r.completed_on))
    decision = check_training(policy, best.completed_on, at)
    if decision.allowed and best.expires_on is not None and day >= best.expires_on:
        return Decision(
            allowed=False,
            reasons=(
                f"training {best.course!r} of {best.completed_on} expired on {best.expires_on}",
            ),
            policy_id=policy.id,
            policy_version=policy.version,
        )
    return decision


def training_records(session: Session, username: str) -> list[TrainingRecord]:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user called {username!r}")
    query = select(TrainingRecord).where(TrainingRecord.user_id == user.id)
    return list(session.scalars(query.order_by(TrainingRecord.completed_on, TrainingRecord.id)))


def _end(policy: Policy, record: TrainingRecord) -> date | None:
    """The first day a course no longer counts; None: it counts for good."""
    ends = [record.expires_on] if record.expires_on is not None else []
    if policy.training.valid_days is not None:
        ends.append(record.completed_on + timedelta(days=policy.training.valid_days))
    return min(ends, default=None)
