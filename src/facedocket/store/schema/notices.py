"""Notices to people: the outbox of the mail, and what their home page lists.

A notice is written in the transaction of the workflow step it tells of, so it exists
exactly when the step does; the worker mails it later (notify/deliver.py), so a mail
server that is down never holds up or rolls back the step. A notice holds fixed words
and a link: no face, no candidate's name, no case narrative.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from facedocket.store.schema.base import Base, utcnow


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # What happened, as the record names it (e.g. "request.submitted").
    event: Mapped[str] = mapped_column(String(50))
    # One notice per event, subject and person: a duty that looks again adds none.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "pending" (to mail), "sent", "failed" (given up after the last try) or "none"
    # (the person has no address).
    mail_state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None]
