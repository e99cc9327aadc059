"""Scheduled duties: when each last ran and when it is due next.

One row per duty. A worker runs a duty only while it holds that row's lock and finds it
due, and moves ``next_at`` on in the same transaction, so two workers (or a worker and
``facedocket duties run``) never run one duty twice; a worker killed mid-duty rolls the
whole run back and the duty stays due for the next worker.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from facedocket.store.schema.base import Base


class DutyRun(Base):
    __tablename__ = "duty_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    # None: turned off by the settings.
    next_at: Mapped[datetime | None]
    last_started_at: Mapped[datetime | None]
    last_ended_at: Mapped[datetime | None]
    # "done" or "failed", with what the run did (or the error) in ``last_details``.
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_details: Mapped[dict[str, Any] | None] = mapped_column()
    last_worker: Mapped[str | None] = mapped_column(String(200))
    # Failed runs in a row; the next try waits longer after each (see schedule/runs.py).
    failures: Mapped[int] = mapped_column(default=0)
