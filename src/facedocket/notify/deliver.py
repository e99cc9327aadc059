"""The outbox: the worker mails the pending notices, and retries those that fail.

A notice is taken with one conditional UPDATE that moves its next try past a lease, so two
workers never mail it at once; the mail is sent outside any transaction (a slow server
holds no lock), and the outcome written after. A worker killed between the two sends that
notice again after the lease: a notice may arrive twice, never not at all. A failure
waits 30 s, then twice as long each time (up to an hour), and after
``NOTICE_MAX_ATTEMPTS`` tries is marked failed, with the error, on the administrator's
page.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from facedocket.notify.mail import message, send
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import Notice, User
from facedocket.store.schema.base import utcnow

log = logging.getLogger("facedocket.notify")

LEASE = timedelta(minutes=5)
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


@dataclass(frozen=True)
class Outbox:
    """What the administrator's page shows of the mail."""

    pending: int
    failing: list[Notice]  # tried and not sent yet, or given up


def deliver_due(
    settings: Settings, sessions: sessionmaker[Session], at: datetime | None = None
) -> dict[str, int]:
    """Mail every notice whose try is due; the counts sent and failed."""
    counts = {"sent": 0, "failed": 0}
    if settings.smtp_host is None:
        return counts
    moment = at or utcnow()
    with sessions() as session:
        due = session.scalars(
            select(Notice.id)
            .where(Notice.mail_state == "pending", Notice.next_attempt_at <= moment)
            .order_by(Notice.id)
            .limit(100)
        ).all()
    for notice_id in due:
        taken = _take(sessions, notice_id, moment)
        if taken is None:
            continue
        to, text, link = taken
        try:
            send(settings, message(settings, to, text, link))
        except (OSError, smtplib.SMTPException) as error:
            log.warning("notice %d not mailed: %s", notice_id, error)
            _failed(sessions, settings, notice_id, moment, f"{type(error).__name__}: {error}")
            counts["failed"] += 1
        else:
            with transaction(sessions) as session:
                row = session.get_one(Notice, notice_id)
                row.mail_state, row.sent_at, row.attempts = "sent", utcnow(), row.attempts + 1
            counts["sent"] += 1
    return counts


def _take(
    sessions: sessionmaker[Session], notice_id: int, at: datetime
) -> tuple[str, str, str] | None:
    with transaction(sessions) as session:
        taken = session.execute(
            update(Notice)
            .where(
                Notice.id == notice_id,
                Notice.mail_state == "pending",
                Notice.next_attempt_at <= at,
            )
            .values(next_attempt_at=at + LEASE)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.get_one(Notice, notice_id)
        email = session.scalar(select(User.email).where(User.id == row.user_id))
        if not email:  # the address was removed since: the home page still shows it
            row.mail_state = "none"
            return None
        return email, row.text, row.link


def _failed(
    sessions: sessionmaker[Session], settings: Settings, notice_id: int, at: datetime, error: str
) -> None:
    with transaction(sessions) as session:
        row = session.get_one(Notice, notice_id)
        row.attempts += 1
        row.last_error = error[:500]
        row.next_attempt_at = at + min(FIRST_WAIT * 2 ** (row.attempts - 1), LONGEST_WAIT)
        if row.attempts >= settings.notice_max_attempts:
            row.mail_state = "failed"


def outbox(session: Session) -> Outbox:
    pending = session.scalar(
        select(func.count()).select_from(Notice).where(Notice.mail_state == "pending")
    )
    failing = session.scalars(
        select(Notice)
        .where(
            (Notice.mail_state == "failed")
            | ((Notice.mail_state == "pending") & (Notice.attempts > 0))
        )
        .order_by(Notice.id.desc())
        .limit(50)
    )
    return Outbox(pending or 0, list(failing))
